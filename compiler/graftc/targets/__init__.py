"""Code generation targets, looked up by name: `graftc.targets.get("python")`.

Each target is a subpackage exposing `TARGET` (the `Target` interface of `_plugin.py`), imported
only when asked for, so `graftc build --target python` never loads another target. `graftc
build --target`, Vision's tabs and the dev server's package routes all come from `_REGISTRY`:
adding a target is its folder plus one line here.
"""

from __future__ import annotations

import importlib

from graftc.targets._plugin import (
    Manifest,
    PackageIndex,
    Plugin,
    Snippets,
    Target,
    TargetOptions,
)

__all__ = [
    "Manifest",
    "PackageIndex",
    "Plugin",
    "Snippets",
    "Target",
    "TargetOptions",
    "UnknownTarget",
    "available",
    "get",
    "names",
]

# name -> module holding `TARGET`
_REGISTRY: dict[str, str] = {
    "python": "graftc.targets.python",
    "typescript": "graftc.targets.typescript",
    "go": "graftc.targets.go",
}


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


def available() -> list[Target]:
    """Every registered target this installation has, in registry order."""
    out = []
    for name in _REGISTRY:
        try:
            out.append(get(name))
        except UnknownTarget:
            continue
    return out
