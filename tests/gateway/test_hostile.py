"""The same hostile tests on every server path: each gateway driver (threads, trio) and each
transport (TCP, TLS, WebSocket, in memory). A faster path that skips them is not done.

- extreme field values: huge timeouts, ids and lengths never stop deadlines or handshake
  timeouts, on this connection or any other;
- a GOAWAY before the HELLO is answered as the protocol says (FAILED_PRECONDITION);
- fuzzed frames after a handshake never take the gateway down;
- a peer that pipelines calls and never reads its answers: the gateway stops reading from it
  (back-pressure) instead of buffering answers without bound, and serves everyone else;
- thousands of short connections: the gateway's memory returns to flat.
"""

from __future__ import annotations

import shutil
import socket
import ssl
import struct
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgpack
import pytest
from graftcode_runtime import StatusCode, connect
from graftcode_runtime.gateway import GatewayConfig, _thread_engine
from graftcode_runtime.testing import (
    GatewayProcess,
    GatewayThread,
    RawPeer,
    inmemory_gateway_config,
    rss_bytes,
    self_signed_cert,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

HERE = Path(__file__).resolve().parent
# tcp-workers: the threaded engine with every call on a worker (GRAFTCODE_TCP_INLINE=0), the
# path slow members take; plain tcp runs short calls on the polling thread
PATHS = ("tcp", "tcp-workers", "tcp-trio", "tls", "ws", "inmemory")
MODULE = "gwfixture"
MiB = 1024 * 1024


@pytest.fixture(scope="module")
def cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl tool")
    crt, key = self_signed_cert(tmp_path_factory.mktemp("tls"))
    return str(crt), str(key)


def _config(path: str, cert: tuple[str, str], **extra: Any) -> GatewayConfig:
    tls = {"tls_cert": cert[0], "tls_key": cert[1]} if path == "tls" else {}
    engine = {"tcp_engine": "trio"} if path == "tcp-trio" else {}
    return GatewayConfig(grace_period=1.0, **tls, **engine, **extra)


def _url(gw: GatewayThread | GatewayProcess, path: str) -> str:
    if path == "inmemory":
        return f"inmemory:{HERE / (MODULE + '.py')}"
    scheme = {"tcp-trio": "tcp", "tcp-workers": "tcp", "tls": "tls"}.get(path, path)
    return gw.urls[scheme]


def _client_ssl(path: str, cert: tuple[str, str]) -> ssl.SSLContext | None:
    return ssl.create_default_context(cafile=cert[0]) if path == "tls" else None


def _peer(
    gw: GatewayThread | GatewayProcess, path: str, cert: tuple[str, str], timeout: float = 10.0
) -> RawPeer:
    return RawPeer(_url(gw, path), ssl_context=_client_ssl(path, cert), timeout=timeout)


def _call(cid: int, member: str, args: list[Any], timeout_ms: int | None = None) -> list[Any]:
    return [1, cid, 0, MODULE, member, None, args, {}, timeout_ms, None]


def _still_serving(gw: GatewayThread | GatewayProcess, path: str, cert: tuple[str, str]) -> None:
    with connect(_url(gw, path), module=MODULE, ssl_context=_client_ssl(path, cert)) as c:
        assert c.call("echo", "alive") == "alive"


@pytest.fixture(params=PATHS)
def path(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def gw(
    path: str, cert: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[GatewayThread]:
    if path == "tcp-workers":
        monkeypatch.setattr(_thread_engine, "INLINE", False)
    config = _config(path, cert, handshake_timeout=0.5)
    with inmemory_gateway_config(config), GatewayThread([str(HERE / f"{MODULE}.py")], config) as g:
        yield g
        g.check()


# --------------------------------------------------------------------------- extreme values


def test_huge_timeout_does_not_stop_deadlines(
    gw: GatewayThread, path: str, cert: tuple[str, str]
) -> None:
    with _peer(gw, path, cert) as peer:
        assert peer.hello(MODULE)[0] == 0
        peer.send(_call(1, "echo", ["x"], timeout_ms=2**64 - 1))
        assert peer.read()[:3] == [2, 1, "x"]
        peer.send(_call(2, "delayed", [1, 1.0e9], timeout_ms=2**64 - 1))  # never answered
        # deadlines still fire on this connection...
        peer.send(_call(3, "delayed", [1, 5.0], timeout_ms=200))
        answer = peer.read(timeout=5)
        assert answer[:3] == [3, 3, StatusCode.DEADLINE_EXCEEDED], answer
    # ...and the handshake timeout still closes a connection that never says HELLO
    with _peer(gw, path, cert) as silent:
        _, code, _ = silent.goaway(timeout=5)
        assert code is StatusCode.DEADLINE_EXCEEDED
    _still_serving(gw, path, cert)


def test_extreme_ids_and_lengths(gw: GatewayThread, path: str, cert: tuple[str, str]) -> None:
    top = 2**63 - 1
    with _peer(gw, path, cert) as peer:
        assert peer.hello(MODULE)[0] == 0
        peer.send([5, [top, 0, 1]], [4, top], [6, 2**64 - 1])  # RELEASE, CANCEL, PING
        assert peer.read() == [7, 2**64 - 1]  # only the PING is answered
        peer.send(_call(top, "echo", ["last"]))
        assert peer.read()[:3] == [2, top, "last"]
        peer.send(_call(top, "echo", ["again"]))  # an id cannot grow past the largest
        _, code, _ = peer.goaway()
        assert code is StatusCode.INVALID_ARGUMENT
    if path not in ("ws",):  # a WebSocket message carries its own length
        with _peer(gw, path, cert) as peer:
            assert peer.hello(MODULE)[0] == 0
            peer.send_raw(struct.pack(">I", 0xFFFFFFFF) + b"\x90")
            _, code, _ = peer.goaway()
            assert code is StatusCode.RESOURCE_EXHAUSTED
    _still_serving(gw, path, cert)


def test_goaway_before_hello_is_a_failed_precondition(
    gw: GatewayThread, path: str, cert: tuple[str, str]
) -> None:
    with _peer(gw, path, cert) as peer:
        peer.send([8, 0, 0, "bye"])
        last_id, code, message = peer.goaway()
        assert (last_id, code) == (0, StatusCode.FAILED_PRECONDITION)
        assert "HELLO" in message
        assert peer.closed()
    _still_serving(gw, path, cert)


# --------------------------------------------------------------------------- fuzzed frames

_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | st.text(max_size=8)
    | st.binary(max_size=8) | st.floats(allow_nan=False),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=12,
)  # fmt: skip


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(kind=st.integers(0, 9), rest=st.lists(_values, max_size=10), junk=st.binary(max_size=24))
def test_fuzzed_frames_after_a_handshake(
    gw: GatewayThread, path: str, cert: tuple[str, str], kind: int, rest: list[Any], junk: bytes
) -> None:
    with _peer(gw, path, cert) as peer:
        assert peer.hello(MODULE)[0] == 0
        peer.send([kind, *rest])
        if junk:
            peer.send_raw(junk)
        try:
            peer.closed(timeout=0.2)
        except OSError:
            pass  # the gateway may reset the connection: a valid answer
    gw.check()


def test_still_serving_after_the_fuzz(gw: GatewayThread, path: str, cert: tuple[str, str]) -> None:
    for _ in range(3):
        with _peer(gw, path, cert) as peer:
            peer.send_raw(b"\x00\x00\x00\x03\xc1\xc1\xc1")
            peer.closed(timeout=2)
    _still_serving(gw, path, cert)


# --------------------------------------------------------------------------- memory


def _measure_gateway(path: str, cert: tuple[str, str], **config: Any) -> GatewayProcess:
    env = {"GRAFTCODE_TCP_INLINE": "0"} if path == "tcp-workers" else None
    return GatewayProcess([MODULE], _config(path, cert, **config), path=[HERE], env=env)


def _own_rss() -> int:
    import os

    return rss_bytes(os.getpid())


@pytest.mark.slow
def test_a_peer_that_never_reads_is_paused_not_buffered(path: str, cert: tuple[str, str]) -> None:
    """Pipelined calls whose answers are never read: the gateway must stop reading from that
    peer once its unsent answers reach the bound, so its memory stays bounded."""
    payload = b"x" * (64 * 1024)
    call = [1, 0, 0, MODULE, "echo_bytes", None, [payload], {}, None, None]
    if path == "inmemory":
        gw_ctx: Any = GatewayThread([str(HERE / f"{MODULE}.py")], _config(path, cert))
        rss = _own_rss
    else:
        gw_ctx = _measure_gateway(path, cert)
        rss = None
    with gw_ctx as gw:
        rss = rss or gw.rss
        # A send blocked for 2 s fails: that is the back-pressure the test waits for.
        peer = _peer(gw, path, cert, timeout=2.0)
        assert peer.hello(MODULE)[0] == 0
        sent = 0
        before = rss()
        stop = threading.Event()
        stalled = threading.Event()

        def pump() -> None:
            nonlocal sent
            cid = 0
            while not stop.is_set():
                cid += 1
                call[1] = cid
                start = time.monotonic()
                try:
                    peer.send(call)
                except Exception:  # timed out (the gateway stopped reading) or closed
                    if time.monotonic() - start > 1.0:
                        stalled.set()
                    return
                sent += len(payload)
                if time.monotonic() - start > 1.0:
                    stalled.set()  # the gateway stopped reading: back-pressure reached us
                    return

        writer = threading.Thread(target=pump, daemon=True)
        writer.start()
        writer.join(timeout=8)
        stop.set()
        grown = rss() - before
        # meanwhile everyone else is served
        _still_serving(gw, path, cert)
        assert stalled.is_set() or sent < 256 * MiB, "the gateway read without bound"
        assert grown < 96 * MiB, f"the gateway grew {grown / MiB:.0f} MiB for one slow peer"
        peer.close()
        writer.join(timeout=10)
        _still_serving(gw, path, cert)


@pytest.mark.slow
def test_thousands_of_short_connections_leave_memory_flat(path: str, cert: tuple[str, str]) -> None:
    hello = msgpack.packb([0, "hypertube", 1, 0, {"module": MODULE}])
    framed = struct.pack(">I", len(hello)) + hello
    n = 600 if path == "tls" else 2000

    def cycles(gw: Any, count: int) -> None:
        if path in ("tcp", "tcp-workers", "tcp-trio"):
            address = gw.urls["tcp"].split("://")[1].rsplit(":", 1)
            for _ in range(count):
                with socket.create_connection((address[0], int(address[1])), timeout=10) as s:
                    s.sendall(framed)
                    s.recv(65536)
            return
        for _ in range(count):
            with _peer(gw, path, cert) as peer:
                assert peer.hello(MODULE)[0] == 0

    if path == "inmemory":
        gw_ctx: Any = GatewayThread([str(HERE / f"{MODULE}.py")], _config(path, cert))
    else:
        gw_ctx = _measure_gateway(path, cert)
    with gw_ctx as gw:
        rss = _own_rss if path == "inmemory" else gw.rss
        cycles(gw, n // 4)  # warm up: thread pools, caches, allocator arenas
        before = rss()
        cycles(gw, n)
        time.sleep(0.5)
        grown = rss() - before
        per_connection = grown / n
        assert per_connection < 4096, (
            f"{grown / MiB:.1f} MiB more after {n} connections "
            f"({per_connection / 1024:.1f} KiB each)"
        )
        _still_serving(gw, path, cert)


# --------------------------------------------------------------- in memory, from trio callers


def test_a_trio_caller_in_memory_that_never_reads_is_paused_not_buffered() -> None:
    """`connect_async("inmemory:...")` runs the gateway session in the caller's own nursery over
    bounded memory streams: a caller that pipelines calls and never reads their answers must
    find its sends blocking once the gateway stops reading, not the gateway buffering it all."""
    import trio
    from graftcode_runtime.testing import frame, hello
    from graftcode_runtime.transport._inmemory import open_inmemory_wire

    payload = b"x" * (64 * 1024)

    async def main() -> tuple[int, bool]:
        sent, stalled = 0, False
        async with trio.open_nursery() as nursery:
            wire = await open_inmemory_wire(MODULE, nursery)
            await wire.send(frame(hello(MODULE)))
            assert (await wire.receive()) is not None  # the gateway's HELLO
            for cid in range(1, 4096):
                with trio.move_on_after(1) as scope:
                    await wire.send(frame(_call(cid, "echo_bytes", [payload])))
                if scope.cancelled_caught:
                    stalled = True  # back-pressure reached the caller
                    break
                sent += len(payload)
            await wire.aclose()
            nursery.cancel_scope.cancel()
        return sent, stalled

    sent, stalled = trio.run(main)
    assert stalled, f"the gateway read {sent / MiB:.0f} MiB it could not answer"
    assert sent < 64 * MiB
