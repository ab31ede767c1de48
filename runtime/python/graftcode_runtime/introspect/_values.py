"""Default values to UGM literals, guided by the declared type.

Only literals the IDL can write are defaults: None, bool, int, float, str, bytes, lists, tuples
and dicts of those, members of exported enums, and `Decimal`, `date`, `datetime`, `time` and
`UUID` values (written as the strings the wire uses). Anything else (a record instance, a
sentinel object) has no IDL spelling; the fix is `T | None = None`.
"""

from __future__ import annotations

import datetime
import decimal
import enum
import math
import re
import uuid
from collections.abc import Callable

from .. import ugm
from ._types import TypeProblem, has_lone_surrogate

EnumName = Callable[[type], str | None]
"""The UGM name of an exported enum class, or None when the class is not one."""


def literal(value: object, tp: ugm.TypeRef, enum_name: EnumName) -> ugm.Value:
    """The literal for `value` as a default of type `tp`. Raises TypeProblem."""
    if isinstance(tp, ugm.Optional):
        if value is None:
            return ugm.NoneLit()
        return literal(value, tp.inner, enum_name)
    if value is None:
        if isinstance(tp, ugm.Primitive) and tp.name == "none":
            return ugm.NoneLit()
        raise TypeProblem(
            "the default is None but the type does not allow None; annotate `T | None`"
        )
    if isinstance(value, enum.Enum):
        return _enum_member(value, tp, enum_name)
    if isinstance(tp, ugm.Primitive):
        return _primitive(value, tp.name)
    if isinstance(tp, ugm.LiteralOf):
        for v in tp.values:
            if type(value) is type(v.value) and value == v.value:
                return v
        raise TypeProblem(f"the default {value!r} is not one of {ugm.type_text(tp)}")
    if isinstance(tp, ugm.UnionOf):
        return _union_member(value, tp, enum_name)
    if isinstance(tp, ugm.TupleOf) and isinstance(value, tuple) and len(value) == len(tp.items):
        return ugm.ListLit(
            tuple(literal(v, t, enum_name) for v, t in zip(value, tp.items, strict=True))
        )
    if isinstance(tp, ugm.ListOf) and isinstance(value, list | tuple | set | frozenset):
        return ugm.ListLit(tuple(literal(v, tp.item, enum_name) for v in value))
    if isinstance(tp, ugm.MapOf) and isinstance(value, dict):
        return ugm.MapLit(
            tuple(
                (literal(k, tp.key, enum_name), literal(v, tp.value, enum_name))
                for k, v in value.items()
            )
        )
    raise TypeProblem(_no_literal(value))


def _union_member(value: object, tp: ugm.UnionOf, enum_name: EnumName) -> ugm.Value:
    # The member the value's own type names first, so `3` in `float | int` stays an int.
    exact = [m for m in tp.members if isinstance(m, ugm.Primitive) and m.name == _kind(value)]
    for m in exact + list(tp.members):
        try:
            return literal(value, m, enum_name)
        except TypeProblem:
            continue
    raise TypeProblem(f"the default {value!r} matches no member of {ugm.type_text(tp)}")


def _kind(value: object) -> str:
    return type(value).__name__


INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

# Exact types: a datetime is also a date, and bool is also an int.
_AS_STRING: dict[str, type] = {
    "datetime": datetime.datetime,
    "date": datetime.date,
    "time": datetime.time,
    "uuid": uuid.UUID,
}


def _primitive(value: object, name: str) -> ugm.Value:
    if name == "decimal" and type(value) is decimal.Decimal:
        if not value.is_finite():
            raise TypeProblem(f"the default {value!r} is not finite; use `Decimal | None = None`")
        return ugm.StrLit(str(value))
    if name == "decimal" and type(value) is int:
        return ugm.IntLit(_int64(value))
    if name in _AS_STRING and type(value) is _AS_STRING[name]:
        if isinstance(value, uuid.UUID):
            return ugm.StrLit(str(value))
        assert isinstance(value, datetime.date | datetime.time)
        return ugm.StrLit(value.isoformat())
    if name == "bool" and isinstance(value, bool):
        return ugm.BoolLit(value)
    if name == "int" and isinstance(value, int) and not isinstance(value, bool):
        return ugm.IntLit(_int64(int(value)))
    if name == "float" and isinstance(value, int | float) and not isinstance(value, bool):
        if not math.isfinite(value):
            raise TypeProblem(
                f"the default {value!r} is not finite and the IDL has no literal for it; "
                "use `float | None = None`"
            )
        return ugm.FloatLit(float(value))
    if name == "str" and isinstance(value, str):
        if has_lone_surrogate(value):
            raise TypeProblem(
                f"the default {value!r} holds a lone UTF-16 surrogate, which UTF-8 (and so the "
                "wire) cannot carry; use the character it was meant to be"
            )
        return ugm.StrLit(str(value))
    if name == "bytes" and isinstance(value, bytes):
        return ugm.BytesLit(bytes(value))
    if name in ("int", "float", "str", "bool", "bytes", "none") and _is_literal(value):
        raise TypeProblem(f"the default {value!r} is not of type {name}")
    raise TypeProblem(_no_literal(value))


def _int64(value: int) -> int:
    if not INT64_MIN <= value <= INT64_MAX:
        raise TypeProblem(f"the default {value} does not fit in 64 bits, as the wire's int does")
    return value


def _enum_member(value: enum.Enum, tp: ugm.TypeRef, enum_name: EnumName) -> ugm.Value:
    owner = enum_name(type(value))
    if isinstance(tp, ugm.Named) and owner == tp.name:
        return ugm.EnumLit(owner, value.name)
    # An IntEnum/StrEnum member where a plain int/str is declared is that int/str.
    if isinstance(tp, ugm.Primitive) and isinstance(value.value, int | str):
        return _primitive(value.value, tp.name)
    raise TypeProblem(f"the default {value!r} does not match the declared type")


def _is_literal(value: object) -> bool:
    return value is None or isinstance(value, bool | int | float | str | bytes)


def _no_literal(value: object) -> str:
    shown = repr(value)
    if re.search(r" at 0x[0-9a-fA-F]+>$", shown):
        shown = f"<{type(value).__qualname__} object>"  # addresses differ from run to run
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return (
        f"the default {shown} ({type(value).__qualname__}) has no IDL literal for this type "
        "(defaults must be None, bool, int, float, str, bytes, Decimal, date, datetime, time, "
        "UUID, a list or dict of those, or an enum member); "
        "make the parameter `T | None = None` and compute the value in the body"
    )
