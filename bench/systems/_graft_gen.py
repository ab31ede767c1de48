"""Builds the typed Python client of bench/service.py with `graftc build` into bench/.cache.

The benchmark measures what users run: the generated client, not a hand-tuned call path.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from types import ModuleType

from _main import BENCH

OUT = BENCH / ".cache" / "py" / "graft-service"


def load() -> ModuleType:
    if not (OUT / "graft_service" / "__init__.py").exists():
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
    if str(OUT) not in sys.path:
        sys.path.insert(0, str(OUT))
    return importlib.import_module("graft_service")
