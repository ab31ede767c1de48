"""The version written in the IDL header: explicit, else `__version__`, else the distribution's."""

from __future__ import annotations

import importlib.metadata
import types

from ._problems import ExportError, Problem


def resolve_version(module: types.ModuleType, explicit: str | None, file: str) -> str:
    if explicit is not None:
        if not explicit.strip():
            raise _error(module, "the version given is empty", file)
        return explicit
    declared = getattr(module, "__version__", None)
    if declared is not None:
        if isinstance(declared, str) and declared.strip():
            return declared
        raise _error(
            module,
            f"`__version__` is {declared!r}, not a version string; write "
            '`__version__ = "1.0.0"` or pass --version',
            file,
        )
    top = module.__name__.split(".")[0]
    for dist in sorted(importlib.metadata.packages_distributions().get(top, [])):
        try:
            return importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            continue
    raise _error(
        module,
        f"module {module.__name__!r} has no version: pass --version 1.0.0, add "
        '`__version__ = "1.0.0"` to the module, or install it as a distribution',
        file,
    )


def _error(module: types.ModuleType, message: str, file: str) -> ExportError:
    return ExportError([Problem(module.__name__, message, file, 0)])
