"""Hostile stream frames (docs/protocol.md 5.5.5) on every server path: the threaded and trio
TCP drivers, TLS, WebSocket and in memory. Each breach gets its GOAWAY and the connection
closes, an open stream's generator is closed with it, and the gateway serves everyone else."""

from __future__ import annotations

import contextlib
import shutil
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import streamfix
from graftcode_runtime import CallSpec, StatusCode, connect
from graftcode_runtime.gateway import GatewayConfig
from graftcode_runtime.testing import (
    GatewayThread,
    RawPeer,
    inmemory_gateway_config,
    self_signed_cert,
)

PATHS = ("tcp", "tcp-trio", "tls", "ws", "inmemory")
MODULE = "streamfix"


@pytest.fixture(scope="module")
def cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl tool")
    crt, key = self_signed_cert(tmp_path_factory.mktemp("tls"))
    return str(crt), str(key)


@pytest.fixture(params=PATHS)
def path(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def gw(path: str, cert: tuple[str, str]) -> Iterator[GatewayThread]:
    tls = {"tls_cert": cert[0], "tls_key": cert[1]} if path == "tls" else {}
    engine = {"tcp_engine": "trio"} if path == "tcp-trio" else {}
    config = GatewayConfig(grace_period=1.0, **tls, **engine)  # type: ignore[arg-type]
    with inmemory_gateway_config(config), GatewayThread([MODULE], config) as g:
        yield g
        g.check()


def _url(gw: GatewayThread, path: str) -> str:
    if path == "inmemory":
        return f"inmemory:{MODULE}"
    return gw.urls[{"tcp-trio": "tcp"}.get(path, path)]


def _ssl(path: str, cert: tuple[str, str]) -> Any:
    import ssl

    return ssl.create_default_context(cafile=cert[0]) if path == "tls" else None


def _peer(gw: GatewayThread, path: str, cert: tuple[str, str]) -> RawPeer:
    return RawPeer(_url(gw, path), ssl_context=_ssl(path, cert), timeout=10)


def _stream_call(cid: int, member: str, args: list[Any], window: int | None = 4) -> list[Any]:
    call = [1, cid, 0, MODULE, member, None, args, {}, None, None]
    return call if window is None else [*call, window]


def _still_serving(gw: GatewayThread, path: str, cert: tuple[str, str]) -> None:
    with connect(_url(gw, path), module=MODULE, ssl_context=_ssl(path, cert)) as c:
        spec = CallSpec("call", MODULE, "count", [3], {})
        assert list(c.stream(spec)) == [0, 1, 2]


HOSTILE = {
    "item for an unknown id": ([9, 99, 1], StatusCode.INVALID_ARGUMENT),
    "end twice": ([10, 1], StatusCode.INVALID_ARGUMENT),  # sent twice below
    "item for a call without a stream parameter": ([9, 1, 5], StatusCode.INVALID_ARGUMENT),
    "credit overflow 2**64-1": ([11, 1, 2**64 - 1], StatusCode.INVALID_ARGUMENT),
    "credit that overflows 2**32-1": ([11, 1, 2**32 - 1], StatusCode.INVALID_ARGUMENT),
    "negative credit": ([11, 1, -5], StatusCode.INVALID_ARGUMENT),
    "zero credit": ([11, 1, 0], StatusCode.INVALID_ARGUMENT),
    "credit that is not an int": ([11, 1, "lots"], StatusCode.INVALID_ARGUMENT),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_stream_frames_get_a_goaway_and_close_the_generator(
    gw: GatewayThread, path: str, cert: tuple[str, str], case: str
) -> None:
    message, code = HOSTILE[case]
    key = uuid.uuid4().hex
    with _peer(gw, path, cert) as peer:
        assert peer.hello(MODULE, features=["stream"])[0] == 0
        peer.send(_stream_call(1, "tracked", [key]))
        assert peer.read()[:3] == [9, 1, 0]  # the stream is running
        peer.send(message)
        if case in ("end twice", "credit that overflows 2**32-1"):
            # (the first grant may fit, if every credit was spent; if it did not, the gateway
            # may already have closed the connection, and this send fails)
            with contextlib.suppress(OSError):
                peer.send(message)
        while (answer := peer.read(timeout=10))[0] != 8:  # items already on their way
            assert answer[0] == 9, answer
        assert answer[2] == code, answer
        assert peer.closed(timeout=10)
    assert streamfix.closed[key].wait(10), "the generator of the broken connection was not closed"
    _still_serving(gw, path, cert)


def test_stream_kinds_without_the_feature_are_unknown(
    gw: GatewayThread, path: str, cert: tuple[str, str]
) -> None:
    with _peer(gw, path, cert) as peer:
        assert peer.hello(MODULE)[0] == 0
        peer.send(_stream_call(1, "count", [3]))  # a window without the feature: refused call
        answer = peer.read()
        assert answer[:3] == [3, 1, StatusCode.FAILED_PRECONDITION], answer
        peer.send([11, 1, 4])
        _, got, _ = peer.goaway(timeout=10)
        assert got is StatusCode.UNIMPLEMENTED
    _still_serving(gw, path, cert)


def test_a_peer_that_never_grants_credit_gets_only_its_window(
    gw: GatewayThread, path: str, cert: tuple[str, str]
) -> None:
    key = uuid.uuid4().hex
    with _peer(gw, path, cert) as peer:
        assert peer.hello(MODULE, features=["stream"])[0] == 0
        peer.send(_stream_call(1, "tracked", [key], window=3))
        assert [peer.read()[:3] for _ in range(3)] == [[9, 1, 0], [9, 1, 1], [9, 1, 2]]
        peer.send([6, 7])  # the connection still answers while the producer is paused
        assert peer.read() == [7, 7]
        assert streamfix.produced[key] <= 3  # paused: never stepped beyond the credit
        peer.send([11, 1, 2])
        assert [peer.read()[:3] for _ in range(2)] == [[9, 1, 3], [9, 1, 4]]
        peer.send([4, 1])  # CANCEL
        assert peer.read()[:3] == [3, 1, StatusCode.CANCELLED]
    assert streamfix.closed[key].wait(10)
