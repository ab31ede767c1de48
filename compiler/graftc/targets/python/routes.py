"""The gateway as a Python package index, under `/pypi`:

    GET /pypi/simple/[<project>/]   PEP 503 HTML, or PEP 691 JSON by `Accept`
    GET /pypi/files/<wheel>         wheels: the clients and graftcode-runtime

Links are relative, so the pages work behind any host name. Names are matched against what
can be built, never used as file paths.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from graftc.targets.common import serving
from graftc.targets.common.serving import (
    Artifact,
    Endpoints,
    GenerationError,
    PackageHost,
    Reply,
    not_found,
)
from graftc.targets.python import naming, package

PEP691_JSON = "application/vnd.pypi.simple.v1+json"
PEP691_HTML = "application/vnd.pypi.simple.v1+html"
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+!-]*$")


@dataclass(frozen=True)
class IndexFile:
    filename: str
    sha256: str
    requires_python: str | None = None
    size: int | None = None  # bytes; PEP 700 makes it mandatory in the 1.1 JSON form


class PythonIndex:
    prefix = "pypi"
    links = (("PyPI index", "/pypi/simple/"),)

    def served_version(self, version: str, build: int) -> str:
        # pip orders a post-release after its release, so `pip install -U` takes a new build
        return naming.package_version(version, build)

    def call_url(self, endpoints: Endpoints) -> str | None:
        return endpoints.tcp or endpoints.ws

    def pack(self, project: Path, version: str) -> Artifact:
        return package.wheel_from_project(project, version=version)

    def handle(self, path: Sequence[str], host: PackageHost) -> Reply:
        if path[0] == "simple":
            return _simple(path[1:], host)
        if path[0] == "files" and len(path) == 2:
            return _wheel(path[1], host)
        return not_found("/pypi/" + "/".join(path))


def _runtime(host: PackageHost) -> Artifact:
    return host.once(("runtime",), package.runtime_wheel)


def _client(host: PackageHost, module: str, expected: str) -> Artifact:
    wheel = host.artifact(module)
    if wheel.filename != expected:
        raise GenerationError(
            module, "python", f"the generator named the wheel {wheel.filename}, not {expected}"
        )
    return wheel


def _projects(host: PackageHost) -> dict[str, str | None]:
    """normalized project name -> module name (None for the runtime)."""
    out: dict[str, str | None] = {naming.distribution_name(n): n for n in host.modules()}
    out[naming.normalize_project(package.RUNTIME_DISTRIBUTION)] = None
    return out


def _simple(rest: Sequence[str], host: PackageHost) -> Reply:
    as_json = wants_json(serving.header(host.headers, "accept"))
    ctype = PEP691_JSON if as_json else "text/html; charset=utf-8"
    projects = _projects(host)
    if list(rest) in ([], [""]):
        root = simple_root_json if as_json else simple_root_html
        return serving.text(200, root(list(projects)), ctype, Vary="Accept")
    project = rest[0]
    norm = naming.normalize_project(project)
    if len(rest) == 1:
        # PEP 503: the canonical URL ends in a slash; redirect, as PyPI does.
        if norm in projects:
            return serving.text(301, "", Location=f"{norm}/")
        return not_found(project)
    if len(rest) != 2 or rest[1] != "":
        return not_found("/".join(rest))
    if norm not in projects:
        return not_found(project)
    if norm != project:
        return serving.text(301, "", Location=f"../{norm}/")
    module = projects[norm]
    if module is None:
        wheel = _runtime(host)
        version = wheel.filename.split("-")[1]
    else:
        version = host.version(module)
        wheel = _client(host, module, naming.wheel_filename(norm, version))
    requires = package.requires_python(wheel)
    files = [IndexFile(wheel.filename, wheel.sha256, requires, size=len(wheel.data))]
    if as_json:
        doc = simple_project_json(norm, [version], files)
    else:
        doc = simple_project_html(norm, files)
    return serving.text(200, doc, ctype, Vary="Accept")


def _wheel(filename: str, host: PackageHost) -> Reply:
    if not _SAFE_NAME.match(filename) or not filename.endswith(".whl"):
        return not_found(filename)
    for name in host.modules():
        dist = naming.distribution_name(name)
        if filename.startswith(naming.wheel_stem(dist) + "-"):
            expected = naming.wheel_filename(dist, host.version(name))
            if filename == expected:
                return _client(host, name, expected).reply()
    if filename.startswith(naming.wheel_stem(package.RUNTIME_DISTRIBUTION) + "-"):
        wheel = _runtime(host)
        if filename == wheel.filename:
            return wheel.reply()
    return not_found(filename)


def wants_json(accept: str) -> bool:
    """PEP 691 content negotiation, simplified: JSON when the client ranks it above HTML."""
    best_json = best_html = -1.0
    for part in accept.split(","):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        q = 1.0
        for f in fields[1:]:
            if f.startswith("q="):
                try:
                    q = float(f[2:])
                except ValueError:
                    q = 0.0
        if media == PEP691_JSON:
            best_json = max(best_json, q)
        elif media in (PEP691_HTML, "text/html", "*/*"):
            best_html = max(best_html, q - (0.001 if media == "*/*" else 0))
    return best_json > 0 and best_json >= best_html


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html><head><meta name="pypi:repository-version" content="1.1">'
        f"<title>{html.escape(title)}</title></head><body>\n{body}\n</body></html>\n"
    )


def simple_root_html(projects: Sequence[str]) -> str:
    links = "\n".join(
        f'<a href="{html.escape(p)}/">{html.escape(p)}</a><br>' for p in sorted(projects)
    )
    return _page("Simple index", links)


def simple_root_json(projects: Sequence[str]) -> str:
    return json.dumps(
        {"meta": {"api-version": "1.1"}, "projects": [{"name": p} for p in sorted(projects)]}
    )


def _file_url(f: IndexFile) -> str:
    return f"../../files/{f.filename}"


def simple_project_html(project: str, files: Sequence[IndexFile]) -> str:
    rows = []
    for f in files:
        rp = (
            f' data-requires-python="{html.escape(f.requires_python)}"' if f.requires_python else ""
        )
        rows.append(
            f'<a href="{html.escape(_file_url(f))}#sha256={f.sha256}"{rp}>'
            f"{html.escape(f.filename)}</a><br>"
        )
    body = "\n".join(rows)
    return _page(f"Links for {project}", f"<h1>Links for {html.escape(project)}</h1>\n{body}")


def simple_project_json(project: str, versions: Sequence[str], files: Sequence[IndexFile]) -> str:
    return json.dumps(
        {
            "meta": {"api-version": "1.1"},
            "name": project,
            "versions": list(versions),
            "files": [
                {
                    "filename": f.filename,
                    "url": _file_url(f),
                    "hashes": {"sha256": f.sha256},
                    **({"requires-python": f.requires_python} if f.requires_python else {}),
                    **({"size": f.size} if f.size is not None else {}),
                }
                for f in files
            ],
        }
    )


INDEX = PythonIndex()
