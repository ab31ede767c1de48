"""The mypyc-compiled modules: whether they are used, and the import hook that loads them.

`python -m graftcode_runtime._mypyc_build` (`make compiled`, which `make test` runs) compiles
the modules in `COMPILED` from this package's own sources into `_mypyc_lib/`, next to them, with
a manifest of the sources' hashes. The `.py` files stay where they are and stay the pure-Python
fallback: the compiled modules are loaded only through the finder below, put first on
`sys.meta_path` by `install()` when the package is imported, and only when

- `GRAFTCODE_MYPYC=1` asks for them (opt-in: the gateway gains 3-17 % CPU per call, the clients
  nothing or lose some; figures in bench/notes/mypyc.md),
- the build exists, succeeded, and was made for this interpreter (its extension suffix), and
- every compiled module's source still has the hash it was compiled from. A source edited since
  (an editable install) makes the whole set stale, not just that module: compiled modules call
  each other directly, so they are used all together or not at all. A stale set is reported
  once, as a warning, and the package runs as pure Python until it is rebuilt.

A build that failed records why in its manifest; the package then runs as pure Python without a
word (the build said so when it failed). An installed wheel has no `_mypyc_lib/` and is pure
Python unless the build is run there too. `status()` says which and why.
"""

from __future__ import annotations

import importlib.machinery
import os
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

PACKAGE = "graftcode_runtime"
# The runtime's hot path: the sans-IO protocol core, value conversion and the client's call
# table (docs/performance.md, "Compiled modules").
COMPILED: tuple[str, ...] = (
    "protocol._codec",
    "protocol._connection",
    "protocol._events",
    "protocol._framing",
    "protocol._instances",
    "protocol._limits",
    "protocol._remote_errors",
    "protocol._streams",
    "values._arguments",
    "values._codec",
    "values._composite",
    "values._converter",
    "values._declared",
    "values._fast_out",
    "values._primitives",
    "client._call_table",
    "gateway._dispatch",
    "gateway._policy",
    "gateway._policy_streams",
    "gateway._thread_driver",
)
# The shared library every compiled module's shim imports (mypyc's `group_name`).
GROUP = "graftcode_runtime_mypyc"
ROOT = Path(__file__).resolve().parent
LIB = ROOT / "_mypyc_lib"
MANIFEST = LIB / "manifest.json"
SWITCH = "GRAFTCODE_MYPYC"

_status = "not checked"


def source_hashes(root: Path = ROOT) -> dict[str, str]:
    """sha256 of each compiled module's source, by module name."""
    import hashlib  # here and in `_check`: `import graftcode_runtime` stays light

    return {
        name: hashlib.sha256((root / (name.replace(".", "/") + ".py")).read_bytes()).hexdigest()
        for name in COMPILED
    }


def extension_suffix() -> str:
    return importlib.machinery.EXTENSION_SUFFIXES[0]


def enabled() -> bool:
    return os.environ.get(SWITCH, "").strip() == "1"


def status() -> str:
    """`compiled`, or why the package runs as pure Python."""
    return _status


def in_use() -> bool:
    return _status == "compiled"


class _Finder:
    """Loads the listed modules from their compiled extension files, nothing else."""

    def __init__(self, files: dict[str, str]) -> None:
        self.files = files

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        file = self.files.get(fullname)
        if file is None:
            return None
        loader = importlib.machinery.ExtensionFileLoader(fullname, file)
        return importlib.machinery.ModuleSpec(fullname, loader, origin=file)


def _check() -> dict[str, str] | str:
    """The extension file of every compiled module, or why they cannot be used."""
    if not enabled():
        return f"pure Python: {SWITCH} is not 1"
    import json

    try:
        manifest = json.loads(MANIFEST.read_text())
    except FileNotFoundError:
        return "pure Python: not compiled (python -m graftcode_runtime._mypyc_build)"
    except (OSError, ValueError) as exc:
        return f"pure Python: unreadable {MANIFEST}: {exc}"
    if manifest.get("error"):
        return f"pure Python: the build failed: {manifest['error']}"
    suffix = extension_suffix()
    if manifest.get("suffix") != suffix:
        return f"pure Python: compiled for {manifest.get('suffix')}, not {suffix}"
    if manifest.get("sources") != source_hashes():
        return "stale"
    files = {
        f"{PACKAGE}.{name}": LIB / PACKAGE / (name.replace(".", "/") + suffix) for name in COMPILED
    }
    files[f"{GROUP}__mypyc"] = LIB / f"{GROUP}__mypyc{suffix}"
    if not all(file.is_file() for file in files.values()):
        return "pure Python: compiled files missing (python -m graftcode_runtime._mypyc_build)"
    return {name: str(file) for name, file in files.items()}


def install() -> None:
    """Put the compiled modules first on the import path if they can be used (called once,
    by the package's `__init__`, before any of them is imported)."""
    global _status
    checked = _check()
    if checked == "stale":
        _status = "pure Python: the compiled modules are older than their sources"
        if f"{PACKAGE}._mypyc_build" in sys.orig_argv:
            return  # the build itself, about to make them current
        warnings.warn(
            f"graftcode_runtime: {_status}; rebuild them with `make compiled` or "
            "`python -m graftcode_runtime._mypyc_build` (or unset GRAFTCODE_MYPYC)",
            RuntimeWarning,
            stacklevel=3,
        )
    elif isinstance(checked, str):
        _status = checked
    else:
        sys.meta_path.insert(0, _Finder(checked))
        _status = "compiled"
