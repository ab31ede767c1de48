"""TLS on the TCP and WebSocket listeners (tls:// and wss://), sync and trio clients."""

from __future__ import annotations

import shutil
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
import trio
from graftcode_runtime import ConnectionLost, connect, connect_async
from graftcode_runtime.gateway import GatewayConfig
from graftcode_runtime.testing import self_signed_cert
from harness import GatewayThread

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl tool")


@pytest.fixture(scope="module")
def cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return self_signed_cert(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def tls_gateway(cert: tuple[Path, Path]) -> Iterator[GatewayThread]:
    crt, key = cert
    with GatewayThread(["calculator"], GatewayConfig(tls_cert=str(crt), tls_key=str(key))) as g:
        yield g


def _context(cert: tuple[Path, Path]) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(cert[0]))


def test_listeners_announce_tls_schemes(tls_gateway: GatewayThread) -> None:
    assert tls_gateway.urls["tls"].startswith("tls://127.0.0.1:")
    assert tls_gateway.urls["wss"].startswith("wss://127.0.0.1:")


@pytest.mark.parametrize("scheme", ["tls", "wss"])
def test_sync_client_over_tls(
    tls_gateway: GatewayThread, cert: tuple[Path, Path], scheme: str
) -> None:
    with connect(tls_gateway.urls[scheme], ssl_context=_context(cert)) as c:
        assert c.call("add", 2, 3) == 5
        with c.new("Accumulator", 1.0) as acc:
            assert acc.call("add", 1.0) == 2.0


@pytest.mark.parametrize("scheme", ["tls", "wss"])
def test_trio_client_over_tls(
    tls_gateway: GatewayThread, cert: tuple[Path, Path], scheme: str
) -> None:
    async def main() -> int:
        async with connect_async(tls_gateway.urls[scheme], ssl_context=_context(cert)) as c:
            return int(await c.call("add", 4, 5))

    assert trio.run(main) == 9


def test_untrusted_certificate_is_refused(tls_gateway: GatewayThread) -> None:
    with pytest.raises(ConnectionLost, match="TLS"):
        connect(tls_gateway.urls["tls"], ssl_context=ssl.create_default_context())


def test_plain_tcp_client_against_tls_listener_fails_cleanly(tls_gateway: GatewayThread) -> None:
    plain = tls_gateway.urls["tls"].replace("tls://", "tcp://")
    with pytest.raises(ConnectionLost):
        connect(plain, connect_timeout=5)
