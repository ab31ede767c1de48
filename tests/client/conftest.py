"""Client test fixtures: gateways that can be restarted on the same ports, a server that accepts
connections and never answers, and a scripted Hypertube server for GOAWAY and timing cases."""

from __future__ import annotations

import socket
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import trio

ROOT = Path(__file__).resolve().parents[2]
for extra in (ROOT / "tests" / "gateway", ROOT / "generated_examples/python/graft-calculator"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

from graftcode_runtime.gateway import GatewayConfig  # noqa: E402
from graftcode_runtime.protocol import SERVER, Connection, Hello  # noqa: E402
from harness import GatewayThread  # noqa: E402

MODULES = ["gwfixture", "calculator"]


class PortGateway(GatewayThread):
    """A gateway thread listening for TCP and WebSocket on the given ports (0: any free one)."""

    def __init__(self, tcp: int = 0, ws: int = 0) -> None:
        super().__init__(MODULES, GatewayConfig(grace_period=0.2))
        self.ports = (tcp, ws)

    async def _serve(self, listening: Any, task_status: Any = trio.TASK_STATUS_IGNORED) -> None:
        assert self.gateway is not None
        await self.gateway.serve(
            tcp=("127.0.0.1", self.ports[0]),
            ws=("127.0.0.1", self.ports[1]),
            on_listen=listening,
            task_status=task_status,
        )

    def port(self, transport: str) -> int:
        return int(self.urls[transport].rstrip("/").rsplit(":", 1)[1])


class Restartable:
    """One gateway at a time on fixed ports: `restart()` stops it (its connections die) and
    starts another on the same ports, as a restarted `graftc serve` would."""

    def __init__(self) -> None:
        self.gw = PortGateway().__enter__()
        self.ports = (self.gw.port("tcp"), self.gw.port("ws"))

    def url(self, transport: str) -> str:
        return (
            f"tcp://127.0.0.1:{self.ports[0]}"
            if transport == "tcp"
            else (f"ws://127.0.0.1:{self.ports[1]}/")
        )

    def stop(self) -> None:
        self.gw.stop()

    def start(self) -> None:
        self.gw = PortGateway(*self.ports).__enter__()

    def restart(self) -> None:
        self.stop()
        self.start()


@pytest.fixture
def restartable() -> Iterator[Restartable]:
    r = Restartable()
    yield r
    r.stop()


class SilentServer:
    """Accepts TCP connections on a port and never sends a byte: no HELLO, no WebSocket
    upgrade, no TLS handshake."""

    def __init__(self, port: int = 0) -> None:
        self.sock = socket.create_server(("127.0.0.1", port))
        self.port = self.sock.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted.append(conn)

    def close(self) -> None:
        self.sock.close()
        for conn in self.accepted:
            conn.close()
        self._thread.join(5)


@pytest.fixture
def silent_server() -> Iterator[SilentServer]:
    server = SilentServer()
    yield server
    server.close()


class ScriptedPeer:
    """The gateway's side of one connection, driven by a test script with the sans-IO core."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.conn = Connection(SERVER)

    def next_event(self) -> Any:
        from graftcode_runtime.protocol import NEED_DATA

        while (ev := self.conn.next_event()) is NEED_DATA:
            self.conn.receive_data(self.sock.recv(65536))
        return ev

    def send(self, event: Any) -> None:
        self.sock.sendall(self.conn.send(event))

    def handshake(self) -> Hello:
        hello = self.next_event()
        assert isinstance(hello, Hello)
        self.send(Hello(module="gwfixture", version="0.3.0"))
        return hello


class ScriptedServer:
    """Runs `script(peer, n)` in a thread for the n-th connection accepted (n from 0)."""

    def __init__(self, script: Callable[[ScriptedPeer, int], None]) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"tcp://127.0.0.1:{self.sock.getsockname()[1]}"
        self.script = script
        self.errors: list[BaseException] = []
        self.connections = 0
        self._threads: list[threading.Thread] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            n, self.connections = self.connections, self.connections + 1
            t = threading.Thread(target=self._run, args=(conn, n), daemon=True)
            self._threads.append(t)
            t.start()

    def _run(self, conn: socket.socket, n: int) -> None:
        with conn:
            try:
                self.script(ScriptedPeer(conn), n)
            except (OSError, AssertionError) as e:
                self.errors.append(e)

    def close(self) -> None:
        self.sock.close()
        for t in self._threads:
            t.join(5)


@pytest.fixture
def scripted() -> Iterator[Callable[[Callable[[ScriptedPeer, int], None]], ScriptedServer]]:
    servers: list[ScriptedServer] = []

    def start(script: Callable[[ScriptedPeer, int], None]) -> ScriptedServer:
        servers.append(ScriptedServer(script))
        return servers[-1]

    yield start
    for s in servers:
        s.close()
