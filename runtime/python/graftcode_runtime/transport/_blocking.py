"""Blocking transports for the sync client: a TCP (or TLS) socket, a WebSocket over one, and
the in-memory pipe. Each moves bytes (or, in message mode, whole messages) and nothing else."""

from __future__ import annotations

import socket
import ssl
import time
from collections import deque
from typing import Protocol

from wsproto import ConnectionType, WSConnection
from wsproto.events import (
    AcceptConnection,
    BytesMessage,
    CloseConnection,
    Message,
    Ping,
    RejectConnection,
    Request,
    TextMessage,
)

from ..protocol._errors import ConnectionLost

# recv(256 KiB) costs ~20 us more per call here: a fresh mmap each time
# (docs/performance.md)
# 64 KiB and 4 more: a 64 KiB payload with its envelope in one read. Reading up to 1 MiB once a
# read fills this was tried (issue 15): fewer recvs, but while the gateway is still sending, a
# large blocking recv keeps taking the arriving segments in this thread: +100 us of client CPU
# and -20 % on a 1 MiB echo (bench/notes/large-payloads.md)
RECV_SIZE = 68 * 1024
SUBPROTOCOL = "hypertube.v1"


class SyncTransport(Protocol):
    message_mode: bool

    def send(self, data: bytes) -> None: ...

    def recv(self, timeout: float | None) -> bytes:
        """Block for the next bytes (or message); b"" at end of stream; TimeoutError on timeout."""
        ...

    def close(self) -> None: ...


def open_socket(
    host: str,
    port: int,
    *,
    connect_timeout: float | None,
    ssl_context: ssl.SSLContext | None,
    server_hostname: str | None,
) -> socket.socket:
    """A connected (and TLS-wrapped) blocking socket; ConnectionLost if that fails or takes
    longer than `connect_timeout`."""
    try:
        return connect_socket(
            host, port, timeout=connect_timeout, ssl_context=ssl_context,
            server_hostname=server_hostname,
        )[0]  # fmt: skip
    except TimeoutError:
        raise ConnectionLost(f"cannot connect to {host}:{port}: timed out") from None


def connect_socket(
    host: str,
    port: int,
    *,
    timeout: float | None,
    ssl_context: ssl.SSLContext | None,
    server_hostname: str | None,
) -> tuple[socket.socket, float | None]:
    """A connected (and TLS-wrapped) blocking socket, and what is left of `timeout` after the
    connect and the TLS handshake. Raises TimeoutError when `timeout` runs out, ConnectionLost
    when the peer cannot be reached or the TLS handshake fails."""
    deadline = None if timeout is None else time.monotonic() + timeout
    try:
        sock = socket.create_connection((host, port), timeout=timeout)
    except TimeoutError:
        raise
    except OSError as e:
        raise ConnectionLost(f"cannot connect to {host}:{port}: {e.strerror or e}") from None
    # small request/response messages: never wait for Nagle
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if ssl_context is not None:
        try:
            sock.settimeout(_left(deadline))  # the whole handshake, not each of its reads
            sock = ssl_context.wrap_socket(sock, server_hostname=server_hostname or host)
        except TimeoutError:
            sock.close()
            raise
        except (OSError, ssl.SSLError) as e:
            sock.close()
            raise ConnectionLost(f"TLS handshake with {host}:{port} failed: {e}") from None
    sock.settimeout(None)
    try:
        return sock, _left(deadline)
    except TimeoutError:
        sock.close()
        raise


def _left(deadline: float | None) -> float | None:
    if deadline is None:
        return None
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError
    return left


class SocketTransport:
    message_mode = False

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self._timeout: float | None = None

    def send(self, data: bytes) -> None:
        try:
            self.sock.sendall(data)
        except OSError as e:
            raise ConnectionLost(f"connection lost while sending: {e}") from None

    def recv(self, timeout: float | None) -> bytes:
        if timeout != self._timeout:  # settimeout is a syscall pair; skip it when unchanged
            self.sock.settimeout(timeout)
            self._timeout = timeout
        try:
            return self.sock.recv(RECV_SIZE)
        except TimeoutError:
            raise
        except OSError:
            return b""

    def close(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


class WebSocketTransport:
    """A blocking WebSocket client made of a socket and wsproto's state machine."""

    message_mode = True

    def __init__(
        self,
        sock: socket.socket,
        host: str,
        path: str,
        *,
        origin: str | None = None,
        timeout: float | None = 10.0,
        max_message_size: int = 16 * 1024 * 1024,
    ) -> None:
        self.raw = SocketTransport(sock)
        self.ws = WSConnection(ConnectionType.CLIENT)
        self.max_message_size = max_message_size
        self._ready: deque[bytes] = deque()
        self._parts: list[bytes] = []
        self._size = 0
        self._closed = False
        extra = [(b"origin", origin.encode())] if origin else []
        self.raw.send(
            self.ws.send(
                Request(host=host, target=path, extra_headers=extra, subprotocols=[SUBPROTOCOL])
            )
        )
        # `timeout` bounds the whole upgrade (TimeoutError), however the answer is split
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            data = self.raw.recv(_left(deadline))
            if not data:
                raise ConnectionLost("connection closed during the WebSocket handshake")
            self.ws.receive_data(data)
            for event in self.ws.events():
                if isinstance(event, AcceptConnection):
                    return
                if isinstance(event, RejectConnection):
                    self.raw.close()
                    raise ConnectionLost(
                        f"the gateway refused the WebSocket upgrade (HTTP {event.status_code})"
                    )

    def send(self, data: bytes) -> None:
        self.raw.send(self.ws.send(Message(data=data)))

    def recv(self, timeout: float | None) -> bytes:
        while not self._ready:
            if self._closed:
                return b""
            for event in self.ws.events():
                if isinstance(event, BytesMessage):
                    self._parts.append(bytes(event.data))
                    self._size += len(event.data)
                    if self._size > self.max_message_size:
                        self._closed = True
                        return b""
                    if event.message_finished:
                        self._ready.append(b"".join(self._parts))
                        self._parts.clear()
                        self._size = 0
                elif isinstance(event, Ping):
                    self.raw.send(self.ws.send(event.response()))
                elif isinstance(event, CloseConnection | TextMessage):
                    self._closed = True
            if self._ready or self._closed:
                continue
            data = self.raw.recv(timeout)
            if not data:
                self._closed = True
                continue
            self.ws.receive_data(data)
        return self._ready.popleft()

    def close(self) -> None:
        if not self._closed:
            try:
                self.raw.send(self.ws.send(CloseConnection(code=1000)))
            except Exception:
                pass
        self._closed = True
        self.raw.close()
