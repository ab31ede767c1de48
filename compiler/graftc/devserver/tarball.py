"""npm package tarballs (`.tgz`, entries under `package/`) built with the standard library.

npm strips the first path component and reads `package/package.json`. Entries are sorted with
fixed timestamps and owners, so equal input gives an equal `integrity` in lockfiles.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import tarfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_SKIP_DIRS = {"node_modules", ".git", "__pycache__"}
_MTIME = 499162500  # 1985-10-26, what npm itself uses for reproducible tarballs


@dataclass(frozen=True)
class Tarball:
    filename: str
    data: bytes

    @property
    def sha1(self) -> str:
        return hashlib.sha1(self.data).hexdigest()

    @property
    def integrity(self) -> str:
        return "sha512-" + base64.b64encode(hashlib.sha512(self.data).digest()).decode("ascii")


def build_tarball(filename: str, files: Iterable[tuple[str, bytes]]) -> Tarball:
    """A gzipped tar of `files` (path relative to the package root, contents) under `package/`."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in sorted(files):
            info = tarfile.TarInfo(f"package/{name}")
            info.size = len(data)
            info.mtime = _MTIME
            info.mode = 0o644
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(data))
    gz = gzip.compress(raw.getvalue(), compresslevel=6, mtime=0)
    return Tarball(filename, gz)


def directory_files(root: Path, include: Iterable[str] | None = None) -> list[tuple[str, bytes]]:
    """Files of a package directory, without node_modules. `include` mirrors package.json's
    `files` (top-level names); package.json, README and LICENSE are always kept, as npm does."""
    keep = None if include is None else {p.strip("./").split("/")[0] for p in include}
    out: list[tuple[str, bytes]] = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(part in _SKIP_DIRS for part in rel.parts) or not path.is_file():
            continue
        top = rel.parts[0]
        always = len(rel.parts) == 1 and (
            top == "package.json" or top.upper().startswith(("README", "LICENSE"))
        )
        if keep is not None and not always and top not in keep:
            continue
        out.append((rel.as_posix(), path.read_bytes()))
    return out


# Keys only the package's own build uses. A tarball dependency is never built by npm (dist/ is
# already inside), and npm 11 warns about every dependency that declares a `prepare` script.
BUILD_ONLY_KEYS = ("scripts", "devDependencies")


def with_package_json(
    files: list[tuple[str, bytes]], update: dict[str, Any]
) -> list[tuple[str, bytes]]:
    """`files` with package.json's top-level keys updated (dependency rewrites, version) and its
    build-only keys dropped."""
    out: list[tuple[str, bytes]] = []
    for name, data in files:
        if name == "package.json":
            doc = json.loads(data)
            for key in BUILD_ONLY_KEYS:
                doc.pop(key, None)
            for key, value in update.items():
                if isinstance(value, dict) and isinstance(doc.get(key), dict):
                    doc[key] = {**doc[key], **value}
                else:
                    doc[key] = value
            data = (json.dumps(doc, indent=2) + "\n").encode("utf-8")
        out.append((name, data))
    return out
