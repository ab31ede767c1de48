"""The converter signature and how conversion errors are worded.

Every compiled converter is called as `f(value, instances)`; `instances` is the connection's
`InstanceHooks` (or None). `_expected` builds the `InvalidValue` a converter raises, naming the
wrong value the way the wire/JSON would (`expected int, got str`), and `type_text` spells a type
as the IDL does for such messages.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol, TypeAlias

from .. import ugm
from ..protocol._errors import InvalidValue
from ..protocol._events import InstanceRef


class InstanceHooks(Protocol):
    """How class instances become references and back, on one connection."""

    def to_ref(self, obj: Any, class_name: str) -> InstanceRef: ...

    def from_ref(self, ref: InstanceRef, class_name: str) -> Any: ...


Converter: TypeAlias = Callable[[Any, "InstanceHooks | None"], Any]


def _kind(v: Any) -> str:
    """How a wrong value is named in errors: the wire/JSON-ish name of its type."""
    if v is None:
        return "none"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "float"
    if isinstance(v, str):
        return "str"
    if isinstance(v, bytes | bytearray | memoryview):
        return "bytes"
    if isinstance(v, list | tuple):
        return "list"
    if isinstance(v, Mapping):
        return "map"
    if isinstance(v, InstanceRef):
        return f"instance reference ({v.class_name or 'unknown class'})"
    return type(v).__name__


def _expected(what: str, got: Any) -> InvalidValue:
    return InvalidValue(f"expected {what}, got {_kind(got)}")


type_text = ugm.type_text


def _key_segment(k: Any) -> str:
    return f'["{k}"]' if isinstance(k, str) else f"[{k!r}]"
