"""Build numbers: what a module's surface was each time it was served under one version.

A developer edits a module, restarts the gateway and installs again, usually without bumping
`__version__`. Serving the new surface under the old version would be a lie that package
managers believe (they skip a version they already have), so each distinct surface of a (module,
version) gets the next build number, remembered in a small JSON file that survives restarts.
The fingerprint covers everything generated code shows (names, types, docs, deprecations), not
only the wire surface: a new doc comment is new autocomplete text.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from graftcode_runtime import ugm


def fingerprint(module: ugm.Module) -> str:
    """sha256 of the module as generators see it: everything but positions and the version."""
    data = ugm.to_json(module, spans=False)["module"]
    data.pop("version", None)
    blob = json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(blob).hexdigest()


class BuildLedger:
    """Maps (module, version, fingerprint) to a build number, persisted in `path` if given.

    Several gateways may share the file (two terminals on one machine), so updates take an
    advisory file lock and replace the file atomically. A ledger that cannot be written keeps
    working in memory: a read-only home directory must not take Vision down.
    """

    def __init__(self, path: Path | None) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._memory: dict[str, list[str]] = {}

    def build_number(self, module: str, version: str, fp: str) -> int:
        key = f"{module}@{version}"
        with self._lock, self._file_lock():
            data = self._load()
            seen = data.setdefault(key, [])
            if fp not in seen:
                seen.append(fp)
                self._store(data)
            return seen.index(fp)

    @contextlib.contextmanager
    def _file_lock(self) -> Iterator[None]:
        if self._path is None:
            yield
            return
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(str(self._path) + ".lock", os.O_RDWR | os.O_CREAT, 0o644)
        except OSError:
            yield
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def _load(self) -> dict[str, list[str]]:
        if self._path is None:
            return self._memory
        try:
            raw: Any = json.loads(self._path.read_text("utf-8"))
        except (OSError, ValueError):
            return self._memory
        if not isinstance(raw, dict):
            return self._memory
        out = {
            k: [x for x in v if isinstance(x, str)] for k, v in raw.items() if isinstance(v, list)
        }
        # Entries this process knows but the file lost (unwritable file) stay authoritative.
        for k, v in self._memory.items():
            merged = out.setdefault(k, [])
            merged.extend(x for x in v if x not in merged)
        return out

    def _store(self, data: dict[str, list[str]]) -> None:
        self._memory = data
        if self._path is None:
            return
        try:
            fd, tmp = tempfile.mkstemp(dir=self._path.parent, prefix=".ledger-")
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(data, f, indent=1, sort_keys=True)
            os.replace(tmp, self._path)
        except OSError:
            pass
