"""The development routes as a sans-IO dispatcher: (method, path, headers) in, a Reply out.

Kept apart from the gateway's types so it is unit-tested without sockets; `routes.py` adapts it
to the gateway's route hook. Paths:

    GET /  /vision                       the Vision page
    GET /idl/<module>.graft              the module's IDL (download)
    GET /pypi  /npm                      one-line install commands (for scripts and agents)
    GET /pypi/simple/[<project>/]        PEP 503 HTML, or PEP 691 JSON by `Accept`
    GET /pypi/files/<wheel>              wheels: clients and graftcode-runtime
    GET /npm/<package>                   npm packument (for `npm install --registry`)
    GET /npm/<package>-<version>.tgz     npm tarballs: clients and graftcode-runtime

Names are matched against what the store can build, never used as file paths, so traversal
attempts simply find nothing (404). Build failures are 422 with the reason as text; anything
else unexpected is a 500 that still names the package, and never takes other routes down.
"""

from __future__ import annotations

import gzip
import io
import json
import re
import tarfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

from graftcode_runtime import ugm

from graftc.devserver import commands, indexes, naming
from graftc.devserver.runtime_artifacts import (
    RUNTIME_DISTRIBUTION,
    RUNTIME_NPM,
    RuntimeUnavailable,
    runtime_npm_version,
)
from graftc.devserver.store import GenerationError, PackageStore, UnknownPackage
from graftc.devserver.vision import Endpoints, render_vision

Headers = Mapping[str, str] | Iterable[tuple[str, str]]
IdlPrinter = Callable[[ugm.Module], str]

_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+!-]*$")


class TooManyHosts(Exception):
    pass


@dataclass(frozen=True)
class Reply:
    status: int
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""


def _text(status: int, text: str, ctype: str = "text/plain; charset=utf-8", **extra: str) -> Reply:
    hdrs = [("Content-Type", ctype), ("Cache-Control", "no-cache")]
    hdrs += [(k.replace("_", "-"), v) for k, v in extra.items()]
    return Reply(status, tuple(hdrs), text.encode("utf-8"))


def _bytes(data: bytes, ctype: str, filename: str) -> Reply:
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
    return _text(404, f"404 not found: {what}\n")


def header(headers: Headers, name: str) -> str:
    items = headers.items() if isinstance(headers, Mapping) else headers
    for k, v in items:
        if k.lower() == name.lower():
            return v
    return ""


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
            return _text(405, "405 method not allowed\n", Allow="GET, HEAD")
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

    def _call_url(self, base: str, target: str) -> str | None:
        """The URL baked into a client as its default: TCP for Python, WebSocket for TypeScript
        (it also runs in browsers), each falling back to the other."""
        ep = Endpoints.from_urls(self.endpoints, base)
        return (ep.tcp or ep.ws) if target == "python" else (ep.ws or ep.tcp)

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
            return _text(422, f"422 {e}\n")
        except TooManyHosts as e:
            return _text(
                421,
                f"421 this gateway already serves packages for {self.max_hosts} host names, not {e}\n",
            )
        except RuntimeUnavailable as e:
            return _text(503, f"503 {e}\n")
        except Exception as e:  # one broken package must not look like a broken gateway
            self.errors.append(f"{raw_path}: {type(e).__name__}: {e}")
            return _text(500, f"500 internal error serving {raw_path}: {type(e).__name__}: {e}\n")

    def _route(self, path: str, parts: list[str], headers: Headers) -> Reply:
        base = self.base_url(headers)
        if path in ("/", "/vision", "/vision/"):
            page = render_vision(
                list(self.store.modules.values()),
                store=self.store,
                base_url=base,
                endpoints=Endpoints.from_urls(self.endpoints, base),
                idl=self.idl,
            )
            return _text(200, page, "text/html; charset=utf-8")
        if parts[0] == "idl" and len(parts) == 2:  # `graftc serve` has its own /idl; same answer
            return self._idl(parts[1].removesuffix(".graft"))
        if path in ("/pypi", "/pypi/"):
            return _text(200, self._commands(base, "python"))
        if path in ("/npm", "/npm/"):
            return _text(200, self._commands(base, "typescript"))
        if parts[0] in ("pypi", "npm"):
            self._admit_host(base)
        if parts[:2] == ["pypi", "simple"]:
            return self._simple(parts[2:], headers)
        if parts[:2] == ["pypi", "files"] and len(parts) == 3:
            return self._wheel(parts[2], base)
        if parts[0] == "npm" and len(parts) == 2:
            if parts[1].endswith(".tgz"):
                return self._tarball(parts[1], base)
            return self._packument(parts[1], base)
        if parts[0] == "npm" and len(parts) == 4 and parts[2] == "-":  # registry-style tarball URL
            return self._tarball(parts[3], base)
        return not_found(path)

    def _commands(self, base: str, target: str) -> str:
        """One install command per module; a module that cannot be packaged gets a comment
        line with the reason instead of failing the whole list."""
        lines = []
        for n in self.store.modules:
            try:
                if target == "python":
                    lines.append(commands.pip_install(base, n, self.store.python_version(n)))
                else:
                    lines.append(commands.npm_install(base, n, self.store.npm_version(n)))
            except GenerationError as e:
                lines.append(f"# {e}")
        return "\n".join(lines) + "\n"

    # -- IDL ----------------------------------------------------------------------------------

    def _idl(self, name: str) -> Reply:
        module = self.store.module(name)
        if self.idl is None:
            return _text(503, "503 the IDL printer is not available in this installation\n")
        return Reply(
            200,
            (
                ("Content-Type", "text/plain; charset=utf-8"),
                ("Content-Disposition", f'attachment; filename="{module.name}.graft"'),
                ("Cache-Control", "no-cache"),
            ),
            self.idl(module).encode("utf-8"),
        )

    # -- Python -------------------------------------------------------------------------------

    def _projects(self) -> dict[str, str | None]:
        """normalized project name -> module name (None for the runtime)."""
        out: dict[str, str | None] = {naming.python_distribution(n): n for n in self.store.modules}
        out[naming.normalize_project(RUNTIME_DISTRIBUTION)] = None
        return out

    def _simple(self, rest: list[str], headers: Headers) -> Reply:
        as_json = indexes.wants_json(header(headers, "accept"))
        ctype = indexes.PEP691_JSON if as_json else "text/html; charset=utf-8"
        projects = self._projects()
        if rest in ([], [""]):
            doc = (indexes.simple_root_json if as_json else indexes.simple_root_html)(
                list(projects)
            )
            return _text(200, doc, ctype, Vary="Accept")
        project = rest[0]
        if len(rest) == 1:
            # PEP 503: the canonical URL ends in a slash; redirect, as PyPI does.
            if naming.normalize_project(project) in projects:
                return _text(301, "", Location=f"{naming.normalize_project(project)}/")
            return not_found(project)
        if len(rest) != 2 or rest[1] != "":
            return not_found("/".join(rest))
        norm = naming.normalize_project(project)
        if norm not in projects:
            return not_found(project)
        if norm != project:
            return _text(301, "", Location=f"../{norm}/")
        module = projects[norm]
        wheel = (
            self.store.wheel(module, self._call_url(self.base_url(headers), "python"))
            if module
            else self.store.runtime_wheel()
        )
        version = self.store.python_version(module) if module else _wheel_version(wheel.filename)
        files = [
            indexes.IndexFile(
                wheel.filename, wheel.sha256, wheel.requires_python, size=len(wheel.data)
            )
        ]
        if as_json:
            return _text(
                200, indexes.simple_project_json(norm, [version], files), ctype, Vary="Accept"
            )
        return _text(200, indexes.simple_project_html(norm, files), ctype, Vary="Accept")

    def _wheel(self, filename: str, base: str) -> Reply:
        if not _SAFE_NAME.match(filename) or not filename.endswith(".whl"):
            return not_found(filename)
        for name in self.store.modules:
            dist = naming.python_distribution(name)
            if filename.startswith(naming.wheel_stem(dist) + "-"):
                expected = naming.wheel_filename(dist, self.store.python_version(name))
                if filename == expected:
                    w = self.store.wheel(name, self._call_url(base, "python"))
                    return _bytes(w.data, "application/zip", w.filename)
        if filename.startswith(naming.wheel_stem(RUNTIME_DISTRIBUTION) + "-"):
            w = self.store.runtime_wheel()
            if filename == w.filename:
                return _bytes(w.data, "application/zip", w.filename)
        return not_found(filename)

    # -- npm ----------------------------------------------------------------------------------

    def _runtime_spec(self, base: str) -> str:
        return f"{base}/npm/{naming.tarball_filename(RUNTIME_NPM, runtime_npm_version())}"

    def _tarball(self, filename: str, base: str) -> Reply:
        if not _SAFE_NAME.match(filename):
            return not_found(filename)
        for name in self.store.modules:
            pkg = naming.npm_package(name)
            if filename.startswith(pkg + "-"):
                expected = naming.tarball_filename(pkg, self.store.npm_version(name))
                if filename == expected:
                    t = self.store.tarball(
                        name, self._runtime_spec(base), self._call_url(base, "typescript")
                    )
                    return _bytes(t.data, "application/octet-stream", t.filename)
        if filename.startswith(RUNTIME_NPM + "-"):
            try:
                expected = naming.tarball_filename(RUNTIME_NPM, runtime_npm_version())
            except (OSError, ValueError, KeyError):
                return not_found(filename)
            if filename == expected:
                t = self.store.runtime_tarball()
                return _bytes(t.data, "application/octet-stream", t.filename)
        return not_found(filename)

    def _packument(self, package: str, base: str) -> Reply:
        if package == RUNTIME_NPM:
            t = self.store.runtime_tarball()
            version = runtime_npm_version()
            manifest = _manifest(t.data)
        else:
            name = self.store.by_npm_package(package)
            version = self.store.npm_version(name)
            t = self.store.tarball(
                name, self._runtime_spec(base), self._call_url(base, "typescript")
            )
            manifest = _manifest(t.data)
        url = f"{base}/npm/{t.filename}"
        doc = indexes.npm_packument(package, version, url, t.sha1, t.integrity, manifest)
        return _text(200, doc, "application/json")


def _wheel_version(filename: str) -> str:
    return filename.split("-")[1]


def _manifest(tgz: bytes) -> dict[str, Any]:
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(tgz)), mode="r") as tar:
        f = tar.extractfile("package/package.json")
        if f is None:
            return {}
        doc = json.loads(f.read())
    return doc if isinstance(doc, dict) else {}
