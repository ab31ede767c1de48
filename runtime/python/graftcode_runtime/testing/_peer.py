"""`RawPeer`: a hand-driven client that speaks Hypertube frames, for tests that send what a
well-behaved client never would (bad frames, pipelined calls, a peer that never reads)."""

from __future__ import annotations

import socket
import ssl
import struct
import time
from typing import Any

import msgpack

from ..protocol import StatusCode
from ..transport._blocking import SocketTransport, SyncTransport, WebSocketTransport, open_socket
from ..transport._url import parse_url

_PREFIX = struct.Struct(">I")


def frame(message: Any) -> bytes:
    """A message as one length-prefixed frame (TCP, TLS, in memory)."""
    payload: bytes = msgpack.packb(message)
    return _PREFIX.pack(len(payload)) + payload


def hello(module: str = "", **info: Any) -> list[Any]:
    """A client HELLO as a wire list."""
    return [0, "hypertube", 1, 0, {"module": module, **info}]


class RawPeer:
    """One connection to a gateway URL (`tcp://`, `tls://`, `ws://`, `wss://`, `inmemory:`),
    exchanging raw messages. `read()` gives the next decoded message, or None once the
    gateway closed the connection."""

    def __init__(
        self, url: str, *, ssl_context: ssl.SSLContext | None = None, timeout: float = 10.0
    ) -> None:
        ep = parse_url(url)
        self.sock: socket.socket | None = None
        self.transport: SyncTransport
        if ep.transport == "inmemory":
            from ..transport._inmemory import open_inmemory_transport

            self.transport = open_inmemory_transport(ep.module, send_timeout=timeout)
        else:
            ctx = (ssl_context or ssl.create_default_context()) if ep.tls else None
            self.sock = open_socket(
                ep.host, ep.port, connect_timeout=timeout, ssl_context=ctx, server_hostname=None
            )
            if ep.transport == "ws":
                host = f"[{ep.host}]" if ":" in ep.host else ep.host
                self.transport = WebSocketTransport(
                    self.sock, f"{host}:{ep.port}", ep.path, timeout=timeout
                )
            else:
                self.transport = SocketTransport(self.sock)
        self.message_mode = self.transport.message_mode
        self.timeout = timeout
        self._buf = b""
        self._closed = False

    # ---------------------------------------------------------------- sending

    def send(self, *messages: Any) -> None:
        """Send messages (wire lists), framed as the transport needs, in one write."""
        if self.message_mode:
            for m in messages:
                self.transport.send(msgpack.packb(m))
        else:
            self.transport.send(b"".join(frame(m) for m in messages))

    def send_raw(self, data: bytes) -> None:
        """Send bytes as they are (one WebSocket message in message mode)."""
        self.transport.send(data)

    def hello(self, module: str = "", **info: Any) -> Any:
        """Send a HELLO and return the gateway's answer (its HELLO, or a GOAWAY)."""
        self.send(hello(module, **info))
        return self.read()

    # ---------------------------------------------------------------- receiving

    def read(self, timeout: float | None = None) -> Any:
        """The next message, or None when the gateway closed the connection; raises
        TimeoutError when nothing arrives within `timeout` (default: the peer's)."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            if self.message_mode and self._buf:
                payload, self._buf = self._buf, b""
                return msgpack.unpackb(payload, strict_map_key=False)
            if not self.message_mode and len(self._buf) >= 4:
                (n,) = _PREFIX.unpack(self._buf[:4])
                if len(self._buf) >= 4 + n:
                    payload, self._buf = self._buf[4 : 4 + n], self._buf[4 + n :]
                    return msgpack.unpackb(payload, strict_map_key=False)
            if self._closed:
                return None
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no message from the gateway in time")
            chunk = self.transport.recv(left)
            if not chunk:
                self._closed = True
            else:
                self._buf += chunk

    def goaway(self, timeout: float | None = None) -> tuple[int, StatusCode, str]:
        """Read until a GOAWAY and return its (last_id, code, message); fails on anything else."""
        msg = self.read(timeout)
        assert isinstance(msg, list) and msg[:1] == [8], f"expected a GOAWAY, got {msg!r}"
        return msg[1], StatusCode(msg[2]), msg[3]

    def closed(self, timeout: float | None = None) -> bool:
        """True once the gateway has closed the connection (reading and dropping messages)."""
        try:
            while self.read(timeout) is not None:
                pass
        except TimeoutError:
            return False
        return True

    def close(self) -> None:
        self.transport.close()

    def __enter__(self) -> RawPeer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
