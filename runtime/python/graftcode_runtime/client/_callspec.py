"""`CallSpec`: one remote operation, as generated clients and the dynamic client describe it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal, TypeAlias

CallKind: TypeAlias = Literal["call", "new", "get", "set"]

_EMPTY: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True)
class CallSpec:
    """What to run on the gateway. Arguments are wire values (see docs/internals.md).

    - `call`: `target` is a service or class name, `member` a function or method name;
      `instance` is the instance id for instance methods, None for functions and statics.
    - `new`: `target` is a class; `member` is ignored ("" by convention).
    - `get` / `set`: a property `member` of the instance `instance` of class `target`;
      `set` takes the new value as its only positional argument.
    """

    kind: CallKind
    target: str
    member: str = ""
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)
    instance: int | None = None
