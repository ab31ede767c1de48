"""Code generation targets, looked up by name: `graftc.targets.get("python")`.

A target is an object with `name` and `generate(module, out_dir, options) -> list[Path]` (the
files it wrote). Each lives in its own subpackage exposing `TARGET`, imported only when asked
for, so `graftc build --target python` never loads another target's templates.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from graftcode_runtime import ugm

__all__ = ["Target", "TargetOptions", "UnknownTarget", "get", "names"]

# name -> module holding `TARGET`
_REGISTRY: dict[str, str] = {
    "python": "graftc.targets.python",
    "typescript": "graftc.targets.typescript",
}


@dataclass(frozen=True)
class TargetOptions:
    """What `graftc build` passes to every target. `source`/`source_file` let a target point
    diagnostics into the IDL text; `extra` carries target-specific `--option key=value` pairs."""

    package_name: str | None = None
    default_url: str | None = None
    source: str | None = None
    source_file: str = ""
    extra: Mapping[str, str] = field(default_factory=dict)


class Target(Protocol):
    name: str

    def generate(self, module: ugm.Module, out_dir: Path, options: TargetOptions) -> list[Path]:
        """Write the package for `module` into `out_dir`; raise DiagnosticError on bad input."""
        ...


class UnknownTarget(LookupError):
    pass


def names() -> tuple[str, ...]:
    return tuple(_REGISTRY)


def get(name: str) -> Target:
    """The target called `name`; UnknownTarget if there is none or it is not installed."""
    module_name = _REGISTRY.get(name)
    if module_name is None:
        raise UnknownTarget(f"unknown target {name!r} (known: {', '.join(_REGISTRY)})")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as e:
        if e.name is not None and module_name.startswith(e.name):
            raise UnknownTarget(f"target {name!r} is not available in this build") from None
        raise
    target: Target = module.TARGET
    return target
