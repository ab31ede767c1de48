"""The documents package managers read: PEP 503/691 simple-index pages and npm packuments.

Pure functions of names, versions and artifact hashes; the HTTP layer picks one by path and
`Accept` header. Links are relative where the protocol allows, so the pages work behind any
host name; the npm packument must hold absolute tarball URLs, so it takes a base URL.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from dataclasses import dataclass

PEP691_JSON = "application/vnd.pypi.simple.v1+json"
PEP691_HTML = "application/vnd.pypi.simple.v1+html"


@dataclass(frozen=True)
class IndexFile:
    filename: str
    sha256: str
    requires_python: str | None = None
    size: int | None = None  # bytes; PEP 700 makes it mandatory in the 1.1 JSON form


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


def simple_root_html(projects: Sequence[str]) -> str:
    links = "\n".join(
        f'<a href="{html.escape(p)}/">{html.escape(p)}</a><br>' for p in sorted(projects)
    )
    return (
        '<!DOCTYPE html>\n<html><head><meta name="pypi:repository-version" content="1.1">'
        f"<title>Simple index</title></head><body>\n{links}\n</body></html>\n"
    )


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
    return (
        '<!DOCTYPE html>\n<html><head><meta name="pypi:repository-version" content="1.1">'
        f"<title>Links for {html.escape(project)}</title></head><body>\n"
        f"<h1>Links for {html.escape(project)}</h1>\n{body}\n</body></html>\n"
    )


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


def npm_packument(
    name: str,
    version: str,
    tarball_url: str,
    shasum: str,
    integrity: str,
    manifest: dict[str, object],
) -> str:
    """A registry document with one version, enough for `npm install --registry`."""
    entry = {
        **{k: v for k, v in manifest.items() if k not in ("scripts", "devDependencies")},
        "name": name,
        "version": version,
        "dist": {"tarball": tarball_url, "shasum": shasum, "integrity": integrity},
    }
    return json.dumps(
        {"name": name, "dist-tags": {"latest": version}, "versions": {version: entry}}
    )
