"""What passes between the dev server and a target's package routes and snippets.

The dev server (`graftc.devserver`) knows no language: for each registered target it mounts the
target's routes under the target's prefix, and hands them a `PackageHost` for the request,
which builds and caches the target's artifacts. Routes answer with a `Reply`, or raise
`UnknownPackage` (404), `GenerationError` or `PackError` (422), or `RuntimeUnavailable`
(503).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeVar
from urllib.parse import urlsplit

T = TypeVar("T")
Headers = Mapping[str, str] | Iterable[tuple[str, str]]


class UnknownPackage(LookupError):
    """No hosted module gives this package name, file or version (HTTP 404)."""


class GenerationError(Exception):
    """The module's surface cannot be generated for a target (HTTP 422). The message names the
    declaration or member at fault, so the developer knows what to change."""

    def __init__(self, module: str, target: str, message: str) -> None:
        what = "any client" if target == "package" else f"the {target} client"
        super().__init__(f"cannot build {what} of module {module!r}: {message}")
        self.module = module
        self.target = target


class PackError(Exception):
    """A generated project the target cannot turn into its artifact (HTTP 422, with the
    module named by the dev server)."""


class RuntimeUnavailable(Exception):
    """The runtime cannot be packaged here (e.g. its sources or tools are missing; HTTP 503)."""


@dataclass(frozen=True)
class Endpoints:
    """The gateway's call URLs, as a client on the developer's machine should spell them."""

    tcp: str | None = None
    ws: str | None = None

    @classmethod
    def from_urls(cls, urls: Sequence[str], base_url: str) -> Endpoints:
        """Wildcard bind addresses (0.0.0.0, ::) become the host the browser used."""
        host = urlsplit(base_url).hostname or "127.0.0.1"
        tcp = ws = None
        for url in urls:
            parts = urlsplit(url)
            h = parts.hostname or ""
            if h in ("", "0.0.0.0", "::"):
                shown = f"[{host}]" if ":" in host else host
                netloc = f"{shown}:{parts.port}" if parts.port else shown
                url = parts._replace(netloc=netloc).geturl()
            if parts.scheme in ("tcp", "tls") and tcp is None:
                tcp = url
            elif parts.scheme in ("ws", "wss") and ws is None:
                ws = url
        return cls(tcp, ws)

    @property
    def preferred(self) -> str | None:
        return self.tcp or self.ws


@dataclass(frozen=True)
class Reply:
    status: int
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""


def text(status: int, body: str, ctype: str = "text/plain; charset=utf-8", **extra: str) -> Reply:
    """A text answer that caches must revalidate; `extra` headers use `_` for `-`."""
    hdrs = [("Content-Type", ctype), ("Cache-Control", "no-cache")]
    hdrs += [(k.replace("_", "-"), v) for k, v in extra.items()]
    return Reply(status, tuple(hdrs), body.encode("utf-8"))


def download(data: bytes, ctype: str, filename: str) -> Reply:
    return Reply(
        200,
        (
            ("Content-Type", ctype),
            ("Content-Disposition", f'attachment; filename="{filename}"'),
            ("Cache-Control", "no-cache"),
        ),
        data,
    )


def not_found(what: str) -> Reply:
    return text(404, f"404 not found: {what}\n")


def header(headers: Headers, name: str) -> str:
    items = headers.items() if isinstance(headers, Mapping) else headers
    for k, v in items:
        if k.lower() == name.lower():
            return v
    return ""


@dataclass(frozen=True)
class BrowserRuntime:
    """A target runtime that runs in browsers as ES modules, for Vision's "Try it": `files` maps
    each module's path (below the folder Vision serves them from) to its file, `entry` is the
    module to import, `imports` the import map (bare specifier to path). An index that has one
    offers it as `browser_runtime()` (optional: Vision looks for it with getattr)."""

    files: Mapping[str, Path]
    entry: str
    imports: Mapping[str, str]
    media_type: str = "text/javascript; charset=utf-8"


@dataclass(frozen=True)
class Artifact:
    """A file a package index serves: a client package or a runtime, ready to download."""

    filename: str
    data: bytes
    media_type: str = "application/octet-stream"

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def sha1(self) -> str:
        return hashlib.sha1(self.data).hexdigest()

    @property
    def integrity(self) -> str:
        """Subresource-integrity form of its sha512, as lockfiles record it."""
        return "sha512-" + base64.b64encode(hashlib.sha512(self.data).digest()).decode("ascii")

    def reply(self) -> Reply:
        return download(self.data, self.media_type, self.filename)


class PackageHost(Protocol):
    """The dev server, as one request to a target's package routes sees it."""

    @property
    def base_url(self) -> str:
        """`http://host:port` as the client reached the gateway (links must use it)."""
        ...

    @property
    def headers(self) -> Headers: ...

    def modules(self) -> Sequence[str]:
        """The hosted modules' names."""
        ...

    def version(self, module: str) -> str:
        """The version this target serves `module` under, build number included; raises
        UnknownPackage or GenerationError."""
        ...

    def artifact(self, module: str) -> Artifact:
        """`module`'s client, generated with this gateway's call URL baked in and packaged by
        the target; built once, kept in memory and on disk."""
        ...

    def once(self, key: tuple[str, ...], make: Callable[[], T]) -> T:
        """`make()`, run once per key while the gateway lives (concurrent callers wait)."""
        ...
