"""Gateway URLs: which transport, where, and whether TLS wraps it.

    tcp://host:port           length-prefixed frames over TCP
    tls://host:port           the same inside TLS (`tcp+tls://` is accepted as an alias)
    ws://host:port/path       one binary WebSocket message per protocol message
    wss://host:port/path      the same inside TLS
    inmemory:module           a gateway hosting `module` in this process; no socket
    inmemory:/path/to/mod.py  the same for a file (or package directory), as `graftc serve` takes

The port is required for tcp/tls (there is no registered port for Hypertube); ws and wss
default to the gateway's WebSocket default port, 7471, because browsers users expect ws URLs
to "just work" without one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from ..protocol._errors import GraftError

Transport = Literal["tcp", "ws", "inmemory"]

DEFAULT_TCP_PORT = 7470
DEFAULT_WS_PORT = 7471
DEFAULT_HTTP_PORT = 7472

_SCHEMES: dict[str, tuple[Transport, bool]] = {
    "tcp": ("tcp", False),
    "tls": ("tcp", True),
    "tcp+tls": ("tcp", True),
    "ws": ("ws", False),
    "wss": ("ws", True),
}


class InvalidURL(GraftError, ValueError):
    """The URL names no transport graftcode knows, or lacks a host or port."""


@dataclass(frozen=True)
class Endpoint:
    transport: Transport
    tls: bool = False
    host: str = ""
    port: int = 0
    path: str = "/"
    module: str = ""

    @property
    def url(self) -> str:
        if self.transport == "inmemory":
            return f"inmemory:{self.module}"
        if self.transport == "tcp":
            return f"{'tls' if self.tls else 'tcp'}://{_host(self.host)}:{self.port}"
        return f"{'wss' if self.tls else 'ws'}://{_host(self.host)}:{self.port}{self.path}"


def _host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def parse_url(url: str) -> Endpoint:
    """Parse a gateway URL; raises InvalidURL with a message that names the problem."""
    if url.startswith("inmemory:"):
        module = url[len("inmemory:") :]
        if module.startswith("//"):  # inmemory://calculator reads like the other schemes
            module = module[2:]
        if not module:
            raise InvalidURL(f"{url!r}: name the module to host, e.g. inmemory:calculator")
        return Endpoint("inmemory", module=module)
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in _SCHEMES:
        known = ", ".join(f"{s}://" for s in _SCHEMES)
        raise InvalidURL(f"{url!r}: unknown scheme {scheme!r} (use {known} or inmemory:MODULE)")
    transport, tls = _SCHEMES[scheme]
    try:
        port = parts.port
    except ValueError:
        raise InvalidURL(f"{url!r}: the port is not a number between 0 and 65535") from None
    host = parts.hostname or ""
    if not host:
        raise InvalidURL(f"{url!r}: no host")
    if port is None:
        if transport == "tcp":
            raise InvalidURL(f"{url!r}: no port (e.g. tcp://{host}:{DEFAULT_TCP_PORT})")
        port = DEFAULT_WS_PORT
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Endpoint(transport, tls=tls, host=host, port=port, path=path)
