"""Builds the typed Python client of bench/service.py with `graftc build` into bench/.cache.

The benchmark measures what users run: the generated client, not a hand-tuned call path.
"""

from __future__ import annotations

import hashlib
import importlib
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from _main import BENCH

OUT = BENCH / ".cache" / "py" / "graft-service"


def _generator_stamp() -> str:
    """A hash of the generator's source (the graftc on the path), so a changed generator
    rebuilds the client instead of benchmarking a stale one."""
    import graftc

    digest = hashlib.sha256()
    for path in sorted((Path(graftc.__file__).parent / "targets").rglob("*")):
        if path.suffix in (".py", ".j2"):
            digest.update(path.read_bytes())
    return digest.hexdigest()


def load() -> ModuleType:
    stamp_file = OUT / ".generator-stamp"
    stamp = _generator_stamp()
    current = stamp_file.read_text() if stamp_file.exists() else ""
    if current != stamp or not (OUT / "graft_service" / "__init__.py").exists():
        subprocess.run(
            [
                sys.executable,
                "-m",
                "graftc.cli",
                "build",
                "--from-module",
                "service",
                "--path",
                str(BENCH),
                "--target",
                "python",
                "-o",
                str(OUT),
            ],
            check=True,
        )
        stamp_file.write_text(stamp)
    if str(OUT) not in sys.path:
        sys.path.insert(0, str(OUT))
    return importlib.import_module("graft_service")
