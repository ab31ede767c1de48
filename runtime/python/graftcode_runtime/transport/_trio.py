"""Trio-side transports as one small interface, `Wire`: bytes of the protocol in and out.

A stream wire (TCP, TLS, in-memory) carries length-prefixed frames, so it hands the core raw
bytes; a WebSocket wire carries one protocol message per binary WebSocket message, so it hands
the core whole messages (`message_mode`). Everything above this module is transport-agnostic.

WebSocket is done with wsproto: it is sans-IO like our own core, so the same WebSocket state
machine drives the trio server, the trio client and the blocking client, and it adds no second
event loop or task model to the gateway.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from typing import Protocol

import trio
from wsproto import ConnectionType, WSConnection
from wsproto.events import (
    AcceptConnection,
    BytesMessage,
    CloseConnection,
    Message,
    Ping,
    RejectConnection,
    RejectData,
    Request,
    TextMessage,
)
from wsproto.utilities import LocalProtocolError, RemoteProtocolError

# receive_some(256 KiB) costs ~20 us more per call here: a fresh mmap each time
# (docs/performance.md)
RECEIVE_SIZE = 64 * 1024
SUBPROTOCOL = "hypertube.v1"  # offered by clients, accepted (never required) by the gateway


class Wire(Protocol):
    message_mode: bool
    peer: str

    async def receive(self) -> bytes | None:
        """The next bytes (or whole message in message mode); None once the peer is gone."""
        ...

    async def send(self, data: bytes) -> None: ...

    async def aclose(self) -> None: ...


class StreamWire:
    message_mode = False

    def __init__(self, stream: trio.abc.Stream, peer: str) -> None:
        self.stream = stream
        self.peer = peer

    async def receive(self) -> bytes | None:
        try:
            data = await self.stream.receive_some(RECEIVE_SIZE)
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            return None
        return bytes(data) or None

    async def send(self, data: bytes) -> None:
        await self.stream.send_all(data)

    async def aclose(self) -> None:
        await trio.aclose_forcefully(self.stream)


class WebSocketRefused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(f"HTTP {status}: {reason}")
        self.status = status
        self.reason = reason


class WsWire:
    """A WebSocket connection after its handshake. Text messages are a protocol error
    (the protocol is binary); pings are answered here; a close frame ends `receive`."""

    message_mode = True

    def __init__(
        self,
        stream: trio.abc.Stream,
        ws: WSConnection,
        peer: str,
        max_message_size: int = 16 * 1024 * 1024,
    ) -> None:
        self.stream = stream
        self.max_message_size = max_message_size
        # pings and close frames are answered by the reader while callers send messages
        self._write_lock = trio.Lock()
        self._size = 0
        self.ws = ws
        self.peer = peer
        self._parts: list[bytes] = []
        self._ready: deque[bytes] = deque()
        self._closed = False
        self.close_code = 1000  # 1008 after a failing GOAWAY (docs/protocol.md 2.2)

    async def receive(self) -> bytes | None:
        while not self._ready:
            if self._closed:
                return None
            if not await self._pump():
                return None
        return self._ready.popleft()

    async def _pump(self) -> bool:
        for event in self.ws.events():
            if isinstance(event, BytesMessage):
                self._parts.append(bytes(event.data))
                self._size += len(event.data)
                if self._size > self.max_message_size:
                    # refuse before buffering more: 1009 is "message too big"
                    await self._close(1009, f"message larger than {self.max_message_size} bytes")
                    return False
                if event.message_finished:
                    self._ready.append(b"".join(self._parts))
                    self._parts.clear()
                    self._size = 0
            elif isinstance(event, TextMessage):
                await self._close(1003, "text messages are not part of the protocol")
                return False
            elif isinstance(event, Ping):
                await self._write(self.ws.send(event.response()))
            elif isinstance(event, CloseConnection):
                try:
                    await self._write(self.ws.send(event.response()))
                except LocalProtocolError:
                    pass
                self._closed = True
                return bool(self._ready)
        if self._ready:
            return True
        try:
            data = await self.stream.receive_some(RECEIVE_SIZE)
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            data = b""
        if not data:
            self._closed = True
            return False
        try:
            self.ws.receive_data(bytes(data))
        except RemoteProtocolError:
            self._closed = True
            return False
        return True

    async def send(self, data: bytes) -> None:
        await self._write(self.ws.send(Message(data=data)))

    async def _write(self, data: bytes) -> None:
        async with self._write_lock:
            await self.stream.send_all(data)

    async def _close(self, code: int, reason: str) -> None:
        self._closed = True
        try:
            await self._write(self.ws.send(CloseConnection(code=code, reason=reason)))
        except (LocalProtocolError, trio.BrokenResourceError, trio.ClosedResourceError):
            pass

    async def aclose(self) -> None:
        if not self._closed:
            with trio.move_on_after(1):
                await self._close(self.close_code, "bye")
        await trio.aclose_forcefully(self.stream)


async def accept_websocket(
    stream: trio.abc.Stream,
    peer: str,
    origin_allowed: Callable[[str | None, str], bool],
    max_message_size: int,
    timeout: float,
) -> WsWire:
    """Run the server side of the upgrade. A refused origin gets HTTP 403 (a browser shows the
    status); raises WebSocketRefused after answering so the caller can log and close."""
    ws = WSConnection(ConnectionType.SERVER)
    with trio.fail_after(timeout):
        while True:
            request = next((e for e in ws.events() if isinstance(e, Request)), None)
            if request is not None:
                break
            data = await stream.receive_some(16 * 1024)
            if not data:
                raise WebSocketRefused(400, "connection closed during the WebSocket handshake")
            try:
                ws.receive_data(bytes(data))
            except RemoteProtocolError as e:
                await _reject_plain(stream, e.event_hint, 400, "not a WebSocket upgrade")
                raise WebSocketRefused(400, str(e)) from None
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in request.extra_headers}
    origin = headers.get("origin")
    if not origin_allowed(origin, request.host):
        body = f"origin {origin} is not allowed\n".encode()
        await stream.send_all(
            ws.send(
                RejectConnection(
                    status_code=403,
                    headers=[
                        (b"content-type", b"text/plain"),
                        (b"content-length", b"%d" % len(body)),
                    ],
                    has_body=True,
                )
            )
            + ws.send(RejectData(data=body))
        )
        raise WebSocketRefused(403, f"origin {origin!r} not allowed")
    subprotocol = SUBPROTOCOL if SUBPROTOCOL in request.subprotocols else None
    await stream.send_all(ws.send(AcceptConnection(subprotocol=subprotocol)))
    return WsWire(stream, ws, peer, max_message_size)


async def _reject_plain(stream: trio.abc.Stream, event: object, status: int, text: str) -> None:
    body = text.encode() + b"\n"
    head = (
        f"HTTP/1.1 {status} Bad Request\r\ncontent-type: text/plain\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    ).encode()
    try:
        await stream.send_all(head + body)
    except (trio.BrokenResourceError, trio.ClosedResourceError):
        pass


async def open_websocket(
    stream: trio.abc.Stream,
    host: str,
    path: str,
    peer: str,
    *,
    origin: str | None = None,
    subprotocols: Sequence[str] = (SUBPROTOCOL,),
    timeout: float = 10.0,
    max_message_size: int = 16 * 1024 * 1024,
) -> WsWire:
    """Run the client side of the upgrade over an open stream."""
    ws = WSConnection(ConnectionType.CLIENT)
    extra = [(b"origin", origin.encode())] if origin else []
    await stream.send_all(
        ws.send(
            Request(host=host, target=path, extra_headers=extra, subprotocols=list(subprotocols))
        )
    )
    with trio.fail_after(timeout):
        while True:
            for event in ws.events():
                if isinstance(event, AcceptConnection):
                    return WsWire(stream, ws, peer, max_message_size)
                if isinstance(event, RejectConnection):
                    raise WebSocketRefused(event.status_code, "the gateway refused the upgrade")
            data = await stream.receive_some(16 * 1024)
            if not data:
                raise WebSocketRefused(0, "connection closed during the WebSocket handshake")
            ws.receive_data(bytes(data))
