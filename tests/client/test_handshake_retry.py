"""A connection cut during its handshake (what a client behind nginx sees when the gateway
nginx picked dies at that moment) is opened again, since no call went out on it; a cut after
a call was sent is not retried. Sync and trio clients, against a relay that drops the first
connections it accepts."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest
import trio

from graftcode_runtime import ConnectionLost, connect, connect_async
from graftcode_runtime.testing import GatewayThread


class DroppingRelay:
    """Accepts on 127.0.0.1:0; closes the first `drop` connections at once, relays the rest to
    `target` (host, port)."""

    def __init__(self, target: tuple[str, int], drop: int) -> None:
        self.target = target
        self.drop = drop
        self.accepted = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.accepted += 1
            if self.accepted <= self.drop:
                conn.close()
                continue
            upstream = socket.create_connection(self.target)
            for a, b in ((conn, upstream), (upstream, conn)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self) -> None:
        self.listener.close()


@pytest.fixture(scope="module")
def gateway() -> Iterator[GatewayThread]:
    with GatewayThread(["calculator"]) as gw:
        yield gw


def relay(gw: GatewayThread, drop: int) -> DroppingRelay:
    host, port = gw.url("tcp").removeprefix("tcp://").rsplit(":", 1)
    return DroppingRelay((host, int(port)), drop)


def test_a_cut_handshake_is_retried(gateway: GatewayThread) -> None:
    r = relay(gateway, drop=2)
    try:
        with connect(f"tcp://127.0.0.1:{r.port}", timeout=10) as c:
            assert c.call("add", 1, 2) == 3
        assert r.accepted == 3
    finally:
        r.close()


def test_retries_are_bounded(gateway: GatewayThread) -> None:
    r = relay(gateway, drop=10)
    try:
        with pytest.raises(ConnectionLost):
            connect(f"tcp://127.0.0.1:{r.port}", timeout=10)
        assert r.accepted == 3  # the first try and two more
    finally:
        r.close()


def test_the_trio_client_retries_a_cut_handshake(gateway: GatewayThread) -> None:
    r = relay(gateway, drop=2)

    async def main() -> int:
        async with connect_async(f"tcp://127.0.0.1:{r.port}", timeout=10) as c:
            return int(await c.call("add", 2, 2))

    try:
        assert trio.run(main) == 4
    finally:
        r.close()
