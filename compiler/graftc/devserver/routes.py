"""The gateway route hook adapter: `make_routes(modules)` gives the `HttpRoute`s that
`graftc serve` adds to its HTTP listener: Vision at `/` and `/vision`, and each registered
target's package index under `/<prefix>`."""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from graftcode_runtime import ugm

from graftc.devserver.http import DevServer
from graftc.devserver.store import PackageStore

if TYPE_CHECKING:
    from graftcode_runtime.gateway import HttpRequest, HttpResponse, HttpRoute

VISION = ("/", "/vision")


def default_cache_dir() -> Path:
    """Built packages and the build-number ledger: $GRAFTC_CACHE_DIR, else the XDG cache."""
    env = os.environ.get("GRAFTC_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "graftcode"


def _idl_printer() -> Callable[[ugm.Module], str] | None:
    # Looked up by name: the printer is another part of graftc and may be absent from a build.
    try:
        printer = getattr(importlib.import_module("graftc.idl"), "print_module", None)
    except ImportError:
        return None
    return printer if callable(printer) else None


def make_devserver(
    modules: Sequence[ugm.Module],
    *,
    endpoints: Sequence[str] = (),
    cache_dir: Path | None = None,
) -> DevServer:
    """`endpoints` is read on every request, so `graftc serve` may pass a list it fills as
    listeners come up (port 0 is only known then)."""
    store = PackageStore(modules, cache_dir=cache_dir or default_cache_dir())
    return DevServer(store, endpoints=endpoints, idl=_idl_printer())


def make_routes(
    modules: Sequence[ugm.Module],
    *,
    endpoints: Sequence[str] = (),
    cache_dir: Path | None = None,
) -> list[HttpRoute]:
    # Imported here so Vision and the package logic work (and test) without the gateway loaded.
    from graftcode_runtime.gateway import HttpResponse, HttpRoute

    server = make_devserver(modules, endpoints=endpoints, cache_dir=cache_dir)

    def handler(request: HttpRequest) -> HttpResponse:
        # The listener drops the body of a HEAD answer itself and sets Content-Length from the
        # body it is given: answering HEAD as GET keeps that length equal to the GET's.
        method = "GET" if request.method == "HEAD" else request.method
        reply = server.handle(method, request.path, request.headers)
        return HttpResponse(reply.status, dict(reply.headers), reply.body)

    indexes = tuple(f"/{t.index.prefix}" for t in server.store.targets.values())
    return [HttpRoute(prefix, handler) for prefix in (*VISION, *indexes)]
