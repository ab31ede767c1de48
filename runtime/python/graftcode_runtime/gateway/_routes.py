"""The HTTP route hook: how code outside the runtime (e.g. `graftc serve`) adds HTTP pages.

The gateway must not import the compiler, so pages that need it (`/idl`, package indexes,
Vision) are registered from outside as `HttpRoute`s. A handler takes an `HttpRequest` and
returns an `HttpResponse`; plain functions run in a worker thread, `async def` handlers run
in the gateway's trio loop.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from ..context import Identity


@dataclass(frozen=True)
class HttpRequest:
    """`path` has no query string; `query` maps each parameter to its last value;
    header names are lower-case. `authorized` is False only for the health check
    (`/status`) of a gateway that requires a token, when the request carries none: every other
    route is answered 401 before its handler runs. `identity` is who the gateway's auth
    established the caller to be (None when auth is off)."""

    method: str
    path: str
    query: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    authorized: bool = True
    identity: Identity | None = None
    body: bytes = b""  # only for routes that accept one (`HttpRoute.max_body`)


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""

    @classmethod
    def text(cls, body: str, status: int = 200, content_type: str = "text/plain") -> HttpResponse:
        return cls(status, {"content-type": f"{content_type}; charset=utf-8"}, body.encode())

    @classmethod
    def json(cls, data: Any, status: int = 200) -> HttpResponse:
        body = json.dumps(data, indent=2, sort_keys=True).encode()
        return cls(status, {"content-type": "application/json"}, body)


HttpHandler: TypeAlias = Callable[[HttpRequest], HttpResponse | Awaitable[HttpResponse]]


@dataclass(frozen=True)
class HttpRoute:
    """Serves every path equal to `prefix` or below it (`/idl` serves `/idl` and `/idl/shop`).
    Routes registered later win over the gateway's own only if their prefix is longer. Only a
    route with `max_body` receives request bodies (the MCP endpoint's JSON-RPC messages)."""

    prefix: str
    handler: HttpHandler
    max_body: int = 0  # request bodies up to this size are read (0: refused with 413)

    def matches(self, path: str) -> bool:
        p = self.prefix.rstrip("/")
        return path == p or path.startswith(p + "/") or (p == "" and path.startswith("/"))
