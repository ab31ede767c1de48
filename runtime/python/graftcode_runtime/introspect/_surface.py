"""What a module offers: its public functions and classes, and the `--types`/`--methods` filters.

Without `__all__`, the surface is every public (no leading underscore) function and class
defined in the module (or, for a package, in its submodules); names it only imports are not
part of it. With `__all__`, the surface is exactly the names it lists.
"""

from __future__ import annotations

import inspect
import types
from collections.abc import Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

from ._context import Context
from ._source import Location


def is_function(obj: Any) -> bool:
    """A `def` function, possibly behind a wrapping decorator (`functools.cache`, or any
    decorator using `functools.wraps`), which is still the same callable surface."""
    if inspect.isfunction(obj):
        return True
    if not callable(obj) or inspect.isclass(obj) or not hasattr(obj, "__wrapped__"):
        return False
    try:
        return inspect.isfunction(inspect.unwrap(obj))
    except ValueError:  # a cycle of __wrapped__
        return False


def is_own(module: types.ModuleType, obj: Any) -> bool:
    """Defined in `module`, or in a submodule when `module` is a package."""
    owner = getattr(obj, "__module__", None)
    if not isinstance(owner, str):
        return False
    if owner == module.__name__:
        return True
    return hasattr(module, "__path__") and owner.startswith(module.__name__ + ".")


def is_sibling(module: types.ModuleType, obj: Any) -> bool:
    """A public class of another public module of the same top-level package as `module`
    (packaging.requirements uses packaging.specifiers' `SpecifierSet`): one distribution's own
    types, pulled in only when the surface uses them, never for the whole sibling module."""
    owner = getattr(obj, "__module__", None)
    top = module.__name__.split(".")[0]
    if not isinstance(owner, str) or not owner.startswith(top + "."):
        return False
    if "." not in module.__name__ and not hasattr(module, "__path__"):
        return False  # a lone module has no siblings
    return not any(part.startswith("_") for part in owner.split(".") + obj.__qualname__.split("."))


def public_names(ctx: Context, module: types.ModuleType, where: Location) -> list[tuple[str, Any]]:
    """(name, object) of each function and class on the surface, in namespace order."""
    listed = getattr(module, "__all__", None)
    if listed is None:
        return [
            (name, obj)
            for name, obj in vars(module).items()
            if not name.startswith("_")
            and (is_function(obj) or inspect.isclass(obj))
            and is_own(module, obj)
        ]
    if not isinstance(listed, list | tuple) or not all(isinstance(n, str) for n in listed):
        ctx.problem(module.__name__, "`__all__` must be a list of strings", where)
        return []
    out: list[tuple[str, Any]] = []
    for name in dict.fromkeys(listed):
        if name.startswith("_"):
            ctx.note(
                name, "listed in `__all__` but private (leading underscore); not exported", where
            )
            continue
        if not hasattr(module, name):
            ctx.problem(name, f"`__all__` lists `{name}`, which the module does not define", where)
            continue
        obj = getattr(module, name)
        if is_function(obj) or inspect.isclass(obj):
            out.append((name, obj))
        elif isinstance(obj, types.ModuleType):
            ctx.note(name, "a submodule is not exported; export it on its own", where)
        elif callable(obj):
            ctx.problem(
                name,
                f"`{name}` is a {type(obj).__qualname__}, not a function or class; wrap it in a "
                "function defined with `def` to export it",
                where,
            )
        else:
            ctx.note(
                name,
                f"`{name}` is a value of type {type(obj).__qualname__}; the IDL has no constants, so it "
                "is not exported (a function can return it)",
                where,
            )
    return out


@dataclass
class Filters:
    """Glob patterns selecting declarations (`--types`) and methods (`--methods`)."""

    types: Sequence[str] = ()
    methods: Sequence[str] = ()
    used: set[str] = field(default_factory=set)

    def type_selected(self, name: str) -> bool:
        return self._match(self.types, name, name) if self.types else True

    def type_named(self, name: str) -> bool:
        """Named by a `--types` pattern (False when there are none)."""
        return bool(self.types) and self._match(self.types, name, name)

    def method_selected(self, owner: str, name: str) -> bool:
        """`Owner.name` matches a pattern (a pattern without a dot matches the bare name)."""
        if not self.methods:
            return True
        return self._match(self.methods, f"{owner}.{name}", name)

    def _match(self, patterns: Sequence[str], qualified: str, bare: str) -> bool:
        hit = False
        for p in patterns:
            if fnmatchcase(qualified, p) or ("." not in p and fnmatchcase(bare, p)):
                self.used.add(p)
                hit = True
        return hit

    def unused(self) -> list[str]:
        return [p for p in (*self.types, *self.methods) if p not in self.used]
