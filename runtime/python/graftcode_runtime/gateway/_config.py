"""Gateway settings and listen-address parsing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..protocol._limits import DEFAULT_MAX_MESSAGE_SIZE
from ..transport._url import DEFAULT_HTTP_PORT, DEFAULT_TCP_PORT, DEFAULT_WS_PORT

if TYPE_CHECKING:
    from ._auth import AuthHook
    from ._interceptors import ServerInterceptor

DEFAULT_MAX_PENDING_OUTPUT = 8 * 1024 * 1024

__all__ = [
    "DEFAULT_HTTP_PORT",
    "DEFAULT_TCP_PORT",
    "DEFAULT_WS_PORT",
    "GatewayConfig",
    "parse_listen_address",
]


@dataclass(frozen=True)
class GatewayConfig:
    """`max_workers` bounds the threads running synchronous hosted functions (one slow call
    holds one thread, never the loop); `grace_period` is how long calls in flight may run after
    a shutdown request; `allow_origins` lists the browser origins allowed to open WebSocket
    connections (empty: only same-host origins and clients that send no Origin); with
    `auth_tokens`, a client's HELLO must carry one of them (else UNAUTHENTICATED), and so must
    every HTTP request but a bare health check. `tcp_engine` serves plain TCP with "threads"
    (the default) or "trio" (None: $GRAFTCODE_TCP_ENGINE). `max_pending_output` bounds the
    bytes of answers a connection may have waiting to be written: beyond it the gateway stops
    reading from that peer until it reads again (docs/gateway.md, "Memory per connection").
    `handshake_timeout` also bounds TLS and WebSocket handshakes and every HTTP request head;
    `max_http_connections` caps the HTTP listener's open connections. `auth_tokens_file` names
    tokens (`name: token` lines, reloaded on SIGHUP by `run_gateway`), `auth` is a hook that
    decides who may call, `interceptors` run around every call (docs/gateway.md, "Auth" and
    "Server interceptors"). `tls_client_ca` asks TLS clients for a certificate signed by these
    CAs (optional for the client; the auth hook sees it as `Credentials.peer.tls_cert`)."""

    debug: bool = False
    max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE
    max_instances: int = 10_000
    max_workers: int = 64
    max_calls_in_flight: int = 1000
    grace_period: float = 10.0
    allow_origins: tuple[str, ...] = ()
    tls_cert: str | None = None
    tls_key: str | None = None
    handshake_timeout: float = 10.0
    ws_path: str = "/"
    auth_tokens: tuple[str, ...] = ()
    tcp_engine: str | None = None
    max_pending_output: int = DEFAULT_MAX_PENDING_OUTPUT
    max_http_connections: int = 256
    auth_tokens_file: str | None = None
    auth: AuthHook | None = None
    interceptors: tuple[ServerInterceptor, ...] = ()
    tls_client_ca: str | None = None
    expose_ugm: bool = True  # GET /ugm; `graftc serve --mode production` turns it off
    mcp: bool = False  # /mcp: static functions as MCP tools (docs/gateway.md, MCP)
    mcp_tools: tuple[str, ...] = ()  # globs (`add`, `Cart.*`) of the tools; empty: all
    max_streams: int = 100  # streaming calls open at once per connection (protocol.md 5.5)
    stream_window: int = 16  # items of a client stream a caller may send ahead (its credit)


def parse_listen_address(text: str, default_port: int) -> tuple[str, int]:
    """`HOST:PORT`, `:PORT`, `PORT`, `HOST` or `[v6]:PORT`; raises ValueError with a reason."""
    host, port_text = "127.0.0.1", ""
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            raise ValueError(f"{text!r}: unclosed '[' in an IPv6 address")
        host, rest = text[1:end], text[end + 1 :]
        port_text = rest[1:] if rest.startswith(":") else rest
    elif text.count(":") == 1:
        h, port_text = text.split(":")
        host = h or host
    elif text.isdigit():
        port_text = text
    else:
        host = text
    if not port_text:
        return host, default_port
    if not port_text.isdigit() or not 0 <= int(port_text) <= 65535:
        raise ValueError(f"{text!r}: the port must be a number between 0 and 65535")
    return host, int(port_text)
