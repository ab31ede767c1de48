"""`rule`: binds a rule's id, purpose, categories, severity and bump to its check function.

    @rule("Fields are not removed.", BOTH, "error", "major")
    def FIELD_REMOVED(pair: FieldPair, emit: Emit) -> None:
        ...

The function's name is the rule id, so the id cannot drift from the code that reports it, and
the type of its first parameter is the level it runs at (a union for several levels), the way
`functools.singledispatch` reads an annotation: mypy then checks the body against exactly the
pairs the walker will hand it. The decorated name is the `Rule` itself.
"""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from graftc.check._model import Bump, Category, Emit, Rule, Severity
from graftc.check._pairs import Pair

P = TypeVar("P", bound=Pair)


def rule(
    purpose: str, categories: frozenset[Category], severity: Severity, bump: Bump
) -> Callable[[Callable[[P, Emit], None]], Rule]:
    def bind(check: Callable[[P, Emit], None]) -> Rule:
        return Rule(check.__name__, purpose, categories, severity, bump, check, _levels(check))

    return bind


def _levels(check: Callable[..., None]) -> tuple[type, ...]:
    first = next(iter(inspect.signature(check).parameters))
    hint = typing.get_type_hints(check)[first]
    union = typing.get_origin(hint) in (typing.Union, types.UnionType)
    named = typing.get_args(hint) if union else (hint,)
    levels = tuple(typing.get_origin(h) or h for h in named)  # Element[Any] runs on Element
    for level in levels:
        if not (isinstance(level, type) and issubclass(level, Pair)):
            raise TypeError(f"{check.__name__}: {level!r} is not a pair the walker hands out")
    return levels


def catalogue(*modules: types.ModuleType) -> dict[str, Rule]:
    """Every rule the modules define, in the order given and, within a module, as written.

    That order is the one rules run in on a pair, so it is the order of their findings for it.
    """
    rules: dict[str, Rule] = {}
    for module in modules:
        for r in _defined_in(module, vars(module).values()):
            if r.id in rules:
                raise ValueError(f"rule {r.id} is defined twice")
            rules[r.id] = r
    return rules


def _defined_in(module: types.ModuleType, names: Iterable[Any]) -> list[Rule]:
    # A rule module may import another's rule; it is listed where its check is written.
    return [
        v
        for v in names
        if isinstance(v, Rule) and getattr(v.check, "__module__", None) == module.__name__
    ]
