"""Transports: gateway URLs, blocking sockets and WebSocket for the sync client, trio wires for
the trio client and the gateway, and the in-memory pipe. They move bytes (or whole messages)
and nothing else; protocol rules live in `protocol`."""

from ._url import (
    DEFAULT_HTTP_PORT,
    DEFAULT_TCP_PORT,
    DEFAULT_WS_PORT,
    Endpoint,
    InvalidURL,
    parse_url,
)

__all__ = [
    "DEFAULT_HTTP_PORT",
    "DEFAULT_TCP_PORT",
    "DEFAULT_WS_PORT",
    "Endpoint",
    "InvalidURL",
    "parse_url",
]
