"""Resolving annotations to runtime types, one at a time, so one bad annotation names itself.

`typing.get_type_hints` resolves a whole object at once and stops at the first failure; here each
annotation (a string under `from __future__ import annotations`, or already an object) is
evaluated alone against the namespace it was written in.
"""

from __future__ import annotations

import inspect
import sys
import typing
from collections.abc import Mapping
from typing import Any


class HintError(Exception):
    """An annotation that cannot be evaluated; the message says why and how to fix it."""


def resolve(annotation: object, globalns: Mapping[str, Any], localns: Mapping[str, Any]) -> Any:
    """The runtime type an annotation denotes. Raises HintError when it cannot be evaluated."""
    # A throwaway class gives get_type_hints' class semantics: ClassVar and Final are accepted,
    # and strings are evaluated with the given namespaces.
    holder = type("_Annotation", (), {"__annotations__": {"x": annotation}})
    try:
        return typing.get_type_hints(
            holder, globalns=dict(globalns), localns=dict(localns), include_extras=True
        )["x"]
    except NameError as e:
        raise HintError(
            f"the annotation {_text(annotation)} cannot be resolved: {e}; import the name at "
            "module level (names imported only under `if TYPE_CHECKING:` do not exist at run time)"
        ) from None
    except Exception as e:
        raise HintError(
            f"the annotation {_text(annotation)} cannot be evaluated: {type(e).__name__}: {e}"
        ) from None


def function_hints(fn: Any) -> dict[str, Any | HintError]:
    """Each parameter's (and "return"'s) resolved annotation, or the HintError it gave."""
    globalns = getattr(fn, "__globals__", {})
    return {name: _try(raw, globalns, {}) for name, raw in inspect.get_annotations(fn).items()}


def class_hints(cls: type) -> dict[str, tuple[type, Any | HintError]]:
    """Annotations of `cls` and its bases (base first, as dataclasses order fields): for each
    name, the class that declared it and its resolved type or HintError."""
    out: dict[str, tuple[type, Any | HintError]] = {}
    for base in reversed(cls.__mro__):
        if base is object:
            continue
        try:
            raw = inspect.get_annotations(base)
        except Exception:  # some C extension types reject it
            continue
        module = sys.modules.get(base.__module__)
        globalns = getattr(module, "__dict__", {})
        localns = dict(vars(base))
        for name, annotation in raw.items():
            # A redefinition keeps the first position, as a dataclass field does.
            out[name] = (base, _try(annotation, globalns, localns))
    return out


def _try(raw: object, globalns: Mapping[str, Any], localns: Mapping[str, Any]) -> Any:
    try:
        return resolve(raw, globalns, localns)
    except HintError as e:
        return e


def _text(annotation: object) -> str:
    if isinstance(annotation, str):
        return f"`{annotation}`"
    if isinstance(annotation, typing.ForwardRef):
        return f"`{annotation.__forward_arg__}`"
    return f"`{annotation!r}`"
