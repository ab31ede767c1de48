"""Importing the module to export, by dotted name, `.py` file or package directory.

The module is imported normally (so `__name__` is never `"__main__"` and its main block does not
run). Whatever goes wrong while importing becomes an `ExportError` naming the module and the line
that failed, never a traceback dump.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import traceback
import types
from collections.abc import Sequence
from pathlib import Path

from ._problems import ExportError, Problem


def load_module(spec: str, path: Sequence[str] = ()) -> types.ModuleType:
    """Import `spec`: a dotted module name, a path to a `.py` file, or a package directory.

    Each directory in `path` is put at the front of `sys.path` (and left there, because the module
    may import lazily later). A file inside a package (a directory with `__init__.py`) is imported
    under its dotted name from the package root, so its relative imports work; any other file is
    imported under its stem with its directory on `sys.path`.
    """
    for directory in reversed(path):
        _add_to_sys_path(str(Path(directory).resolve()))
    if _looks_like_path(spec):
        target = Path(spec)
        if not target.exists():
            raise _error(spec, f"no such file or directory: {spec}", spec)
        return _load_path(spec, target.resolve())
    if not all(part.isidentifier() for part in spec.split(".")):
        raise _error(
            spec, f"{spec!r} is neither a module name nor a path to a .py file or package", spec
        )
    return _import(spec, spec)


def _looks_like_path(spec: str) -> bool:
    return spec.endswith(".py") or os.sep in spec or "/" in spec or Path(spec).is_dir()


def _add_to_sys_path(directory: str) -> None:
    if directory not in sys.path:
        sys.path.insert(0, directory)


def _load_path(spec: str, target: Path) -> types.ModuleType:
    if target.is_dir():
        if not (target / "__init__.py").is_file():
            raise _error(
                spec,
                f"{spec} is a directory without __init__.py; point at a package or a .py file",
                spec,
            )
        package_dir, dotted = target, [target.name]
    elif target.suffix == ".py":
        package_dir, dotted = target.parent, [] if target.name == "__init__.py" else [target.stem]
    else:
        raise _error(spec, f"{spec} is not a .py file or a package directory", spec)
    # Climb while the directory is a package, so `pkg/sub/mod.py` imports as `pkg.sub.mod`.
    root = target.parent if target.is_dir() else package_dir
    while (root / "__init__.py").is_file():
        dotted.insert(0, root.name)
        root = root.parent
    name = ".".join(dotted)
    if not all(part.isidentifier() for part in dotted):
        raise _error(
            spec, f"{target.name!r} cannot be imported: {name!r} is not a module name", spec
        )
    existing = sys.modules.get(name)
    if existing is not None and not _same_file(existing, target):
        raise _error(
            spec,
            f"a different module named {name!r} is already imported "
            f"(from {getattr(existing, '__file__', None) or 'a built-in'}); rename {target.name}",
            spec,
        )
    _add_to_sys_path(str(root))
    return _import(name, spec)


def _same_file(module: types.ModuleType, target: Path) -> bool:
    file = getattr(module, "__file__", None)
    if not file:
        return False
    loaded = Path(file).resolve()
    return loaded == target or (target.is_dir() and loaded == target / "__init__.py")


def _import(name: str, spec: str) -> types.ModuleType:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as e:
        if e.name is not None and (name == e.name or name.startswith(e.name + ".")):
            raise _error(spec, f"no module named {name!r} (is --path missing?)", spec) from None
        raise _import_failure(name, spec, e) from None
    except (KeyboardInterrupt, GeneratorExit):
        raise
    except BaseException as e:  # SystemExit too: a module that exits on import is bad input
        raise _import_failure(name, spec, e) from None


def _import_failure(name: str, spec: str, exc: BaseException) -> ExportError:
    """The error at the innermost frame that is the user's code, not importlib's."""
    file, line = spec, 0
    if isinstance(exc, SyntaxError) and exc.filename:
        file, line = exc.filename, exc.lineno or 0
    else:
        for frame in traceback.extract_tb(exc.__traceback__):
            if "importlib" in frame.filename and "<frozen" in frame.filename:
                continue
            if frame.filename.startswith("<frozen"):
                continue
            file, line = frame.filename, frame.lineno or 0
    detail = describe_exception(exc)
    if isinstance(exc, SystemExit):
        detail = f"it called sys.exit({exc.code!r}) while being imported"
    return ExportError(
        [
            Problem(
                name,
                f"importing module {name!r} failed: {detail}; fix the module so it imports "
                'cleanly (exporting never runs its `if __name__ == "__main__"` block)',
                file,
                line,
            )
        ]
    )


def describe_exception(exc: BaseException) -> str:
    """`Type: message`, even when the user's exception cannot turn itself into text."""
    try:
        text = str(exc)
    except Exception:  # its __str__ is the user's code, and may fail
        text = "<its message could not be printed>"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _error(spec: str, message: str, file: str) -> ExportError:
    return ExportError([Problem(spec, message, file, 0)])
