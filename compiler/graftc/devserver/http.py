"""The development routes as a sans-IO dispatcher: (method, path, headers) in, a Reply out.

Kept apart from the gateway's types so it is unit-tested without sockets; `routes.py` adapts it
to the gateway's route hook. Paths:

    GET /  /vision                 the Vision page
    GET /idl/<module>.graft        the module's IDL (download)
    GET /<prefix>                  one install command per module (for scripts and agents)
    GET /<prefix>/...              the package index of the target with that prefix

Each registered target brings its prefix and routes (`Target.index`); this module names none.
Paths are decoded once and refused if they could climb out of a route's namespace. Build
failures are 422 with the reason as text; anything else unexpected is a 500 that still names
the path, and never takes other routes down.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar
from urllib.parse import unquote, urlsplit

from graftcode_runtime import ugm

from graftc import targets as graftc_targets
from graftc.devserver import tryit
from graftc.devserver.store import PackageStore
from graftc.devserver.vision import render_vision
from graftc.targets.common import serving
from graftc.targets.common.serving import (
    Artifact,
    Endpoints,
    GenerationError,
    Headers,
    Reply,
    RuntimeUnavailable,
    UnknownPackage,
    header,
    not_found,
)

__all__ = ["DevServer", "Reply"]

T = TypeVar("T")
IdlPrinter = Callable[[ugm.Module], str]


class TooManyHosts(Exception):
    pass


@dataclass
class DevServer:
    store: PackageStore
    endpoints: Sequence[str] = ()
    idl: IdlPrinter | None = None
    http_url: str = ""  # fallback base URL when a request carries no Host header
    errors: list[str] = field(default_factory=list)
    max_hosts: int = 16
    _hosts: set[str] = field(default_factory=set)

    def handle(self, method: str, path: str, headers: Headers = ()) -> Reply:
        if method not in ("GET", "HEAD"):
            return serving.text(405, "405 method not allowed\n", Allow="GET, HEAD")
        reply = self._dispatch(urlsplit(path).path, headers)
        if method == "HEAD":
            reply = Reply(reply.status, reply.headers, b"")
        return reply

    def base_url(self, headers: Headers) -> str:
        host = header(headers, "host").lower()
        if host and re.fullmatch(r"[a-z0-9.\-:\[\]]{1,300}", host):
            return f"http://{host}"
        return self.http_url.rstrip("/")

    def _admit_host(self, base: str) -> None:
        """Packages embed the host they were fetched by, so each host name costs a build and
        cache space: a client inventing Host headers must not make that unbounded."""
        if base in self._hosts:
            return
        if len(self._hosts) >= self.max_hosts:
            raise TooManyHosts(base)
        self._hosts.add(base)

    def _dispatch(self, raw_path: str, headers: Headers) -> Reply:
        # Decode once, then refuse anything that could climb out of a route's namespace.
        path = unquote(raw_path)
        parts = path.split("/")[1:]
        if any(p in (".", "..") or "\\" in p or "\0" in p for p in parts):
            return not_found(raw_path)
        try:
            return self._route(path, parts, headers)
        except UnknownPackage as e:
            return not_found(str(e))
        except GenerationError as e:
            return serving.text(422, f"422 {e}\n")
        except TooManyHosts as e:
            return serving.text(
                421,
                f"421 this gateway already serves packages for {self.max_hosts} host names, not {e}\n",
            )
        except RuntimeUnavailable as e:
            return serving.text(503, f"503 {e}\n")
        except Exception as e:  # one broken package must not look like a broken gateway
            self.errors.append(f"{raw_path}: {type(e).__name__}: {e}")
            return serving.text(
                500, f"500 internal error serving {raw_path}: {type(e).__name__}: {e}\n"
            )

    def _route(self, path: str, parts: list[str], headers: Headers) -> Reply:
        base = self.base_url(headers)
        endpoints = Endpoints.from_urls(self.endpoints, base)
        if path in ("/", "/vision", "/vision/"):
            page = render_vision(
                list(self.store.modules.values()),
                store=self.store,
                base_url=base,
                endpoints=endpoints,
                idl=self.idl,
            )
            return serving.text(200, page, "text/html; charset=utf-8")
        if path.startswith(tryit.PREFIX):  # the browser runtime, for Vision's "Try it"
            found = tryit.runtime_file(path)
            if found is None:
                return not_found(path)
            script, media_type = found
            return Reply(200, (("Content-Type", media_type),), script)
        if parts[0] == "idl" and len(parts) == 2:  # `graftc serve` has its own /idl; same answer
            return self._idl(parts[1].removesuffix(".graft"))
        target = next((t for t in self.store.targets.values() if t.index.prefix == parts[0]), None)
        if target is None:
            return not_found(path)
        rest = parts[1:]
        if rest in ([], [""]):
            return serving.text(200, self._commands(base, target))
        self._admit_host(base)
        return target.index.handle(rest, _Host(self.store, target, base, headers, endpoints))

    def _commands(self, base: str, target: graftc_targets.Target) -> str:
        """One install command per module; a module that cannot be packaged gets a comment
        line with the reason instead of failing the whole list."""
        lines = []
        for n in self.store.modules:
            try:
                version = self.store.version(target.name, n)
                lines.append(target.snippets.install(base, n, version))
            except GenerationError as e:
                lines.append(f"# {e}")
        return "\n".join(lines) + "\n"

    def _idl(self, name: str) -> Reply:
        module = self.store.module(name)
        if self.idl is None:
            return serving.text(503, "503 the IDL printer is not available in this installation\n")
        return Reply(
            200,
            (
                ("Content-Type", "text/plain; charset=utf-8"),
                ("Content-Disposition", f'attachment; filename="{module.name}.graft"'),
                ("Cache-Control", "no-cache"),
            ),
            self.idl(module).encode("utf-8"),
        )


@dataclass(frozen=True)
class _Host:
    """`serving.PackageHost` for one request to one target's routes."""

    store: PackageStore
    target: graftc_targets.Target
    base_url: str
    headers: Headers
    endpoints: Endpoints

    def modules(self) -> Sequence[str]:
        return list(self.store.modules)

    def version(self, module: str) -> str:
        return self.store.version(self.target.name, module)

    def artifact(self, module: str) -> Artifact:
        url = self.target.index.call_url(self.endpoints)
        return self.store.artifact(self.target.name, module, url)

    def once(self, key: tuple[str, ...], make: Callable[[], T]) -> T:
        return self.store.once((self.target.name, *key), make)
