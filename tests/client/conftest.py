"""Client test fixtures: gateways that can be restarted on the same ports, a server that accepts
connections and never answers, a relay whose connections can be cut, and a scripted Hypertube
server for GOAWAY and timing cases.

The driver tests (test_reconnect.py, test_deadlines.py) also run against the runtime before the
client redesign, to show what they catch; that runtime has its protocol core in flat private
modules, hence the fallback imports."""

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
from harness import GatewayThread  # noqa: E402

try:
    from graftcode_runtime.protocol import NEED_DATA, SERVER, Connection, Hello
except ImportError:  # the runtime before the client redesign
    from graftcode_runtime._connection import SERVER, Connection  # type: ignore[no-redef]
    from graftcode_runtime._events import NEED_DATA, Hello  # type: ignore[no-redef]

MODULES = ["gwfixture", "calculator"]


def close_listener(sock: socket.socket) -> None:
    """Close a listening socket and wake the thread blocked in its accept() (on Linux, close()
    alone leaves that thread blocked)."""
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()


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
        close_listener(self.sock)
        for conn in self.accepted:
            conn.close()
        self._thread.join(5)


@pytest.fixture
def silent_server() -> Iterator[SilentServer]:
    server = SilentServer()
    yield server
    server.close()


class Relay:
    """A TCP relay on a port of its own to `target` (a gateway's TCP or WebSocket port).
    `cut()` drops every relayed connection at once, as a network failure would, with the
    gateway still up; `cut_on_next_send()` does it just after relaying the next bytes a client
    sends (its CALL). `accepted` counts the connections clients opened through the relay."""

    def __init__(self, target: int) -> None:
        self.target = target
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self._cut_next = False
        self._lock = threading.Lock()
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._threads = [threading.Thread(target=self._accept, daemon=True)]
        self._threads[0].start()

    def url(self, transport: str) -> str:
        return (
            f"tcp://127.0.0.1:{self.port}" if transport == "tcp" else f"ws://127.0.0.1:{self.port}/"
        )

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target), timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                self.accepted += 1
                self._pairs.append((client, upstream))
            for src, dst, outbound in ((client, upstream, True), (upstream, client, False)):
                t = threading.Thread(target=self._pump, args=(src, dst, outbound), daemon=True)
                self._threads.append(t)
                t.start()

    def _pump(self, src: socket.socket, dst: socket.socket, outbound: bool) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
                if outbound and self._cut_next:
                    self._cut_next = False
                    self.cut()
        except OSError:
            pass
        finally:  # either side gone: drop the pair (a half-open relay helps no test)
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut_on_next_send(self) -> None:
        self._cut_next = True

    def cut(self) -> None:
        with self._lock:
            pairs = list(self._pairs)
        for pair in pairs:
            for s in pair:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self) -> None:
        close_listener(self.sock)
        self.cut()
        for t in self._threads:
            t.join(5)
        with self._lock:
            for pair in self._pairs:
                for s in pair:
                    s.close()


@pytest.fixture
def relay(restartable: Restartable) -> Iterator[Callable[[str], Relay]]:
    """`relay(transport)`: a relay to the restartable gateway's port for that transport."""
    relays: list[Relay] = []

    def start(transport: str) -> Relay:
        relays.append(Relay(restartable.ports[0 if transport == "tcp" else 1]))
        return relays[-1]

    yield start
    for r in relays:
        r.close()


class ScriptedPeer:
    """The gateway's side of one connection, driven by a test script with the sans-IO core."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.conn = Connection(SERVER)

    def next_event(self) -> Any:
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
        close_listener(self.sock)
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
