"""Whether a default value fits its type: the literal rules of docs/idl.md, "Default values".

Pure functions of the value, the type and the module's declarations, shared by the checker and
usable by tools that build defaults (the exporter, the code generators).
"""

from __future__ import annotations

import datetime
import decimal
import math
import re
import uuid
from collections.abc import Callable, Mapping

from graftcode_runtime import ugm

from graftc.idl._literals import INT64_MAX, INT64_MIN, quote_str
from graftc.idl._printer import type_text, value_text

Problem = tuple[ugm.Span | None, str]

_SURROGATE = re.compile("[\ud800-\udfff]")

_ISO_PARSERS: dict[str, Callable[[str], object]] = {
    "date": datetime.date.fromisoformat,
    "datetime": datetime.datetime.fromisoformat,
    "time": datetime.time.fromisoformat,
}


def default_problem(v: ugm.Value, t: ugm.TypeRef, decls: Mapping[str, ugm.Decl]) -> Problem | None:
    """Why `v` is not a value of `t` (where and what), or None when it is."""

    def mismatch() -> Problem:
        return v.span, f"default {_short(v)} does not fit type '{type_text(t)}'"

    if isinstance(t, ugm.Optional):
        return None if isinstance(v, ugm.NoneLit) else default_problem(v, t.inner, decls)
    if isinstance(v, ugm.NoneLit):
        return v.span, (
            f"default none does not fit non-optional type '{type_text(t)}'"
            f" (make it optional: '{type_text(t)}?')"
        )
    if isinstance(t, ugm.Primitive):
        return _fit_primitive(v, t.name, mismatch)
    if isinstance(t, ugm.LiteralOf):
        return None if v in t.values else mismatch()
    if isinstance(t, ugm.UnionOf):
        fits = any(default_problem(v, m, decls) is None for m in t.members)
        return None if fits else mismatch()
    if isinstance(t, ugm.TupleOf):
        if not isinstance(v, ugm.ListLit) or len(v.items) != len(t.items):
            return mismatch()
        for item, item_type in zip(v.items, t.items, strict=True):
            problem = default_problem(item, item_type, decls)
            if problem is not None:
                return problem
        return None
    if isinstance(t, ugm.ListOf):
        if not isinstance(v, ugm.ListLit):
            return mismatch()
        for item in v.items:
            problem = default_problem(item, t.item, decls)
            if problem is not None:
                return problem
        return None
    if isinstance(t, ugm.MapOf):
        if not isinstance(v, ugm.MapLit):
            return mismatch()
        keys: list[ugm.Value] = []
        for k, x in v.items:
            problem = default_problem(k, t.key, decls) or default_problem(x, t.value, decls)
            if problem is not None:
                return problem
            if k in keys:
                return k.span, f"duplicate key {value_text(k)} in map default"
            keys.append(k)
        return None
    assert isinstance(t, ugm.Named)
    decl = decls.get(t.name)
    if isinstance(decl, ugm.Enum):
        if not isinstance(v, ugm.EnumLit):
            return v.span, (
                f"default {_short(v)} does not fit enum '{t.name}'"
                f" (write a member, such as {t.name}.{decl.members[0].name})"
                if decl.members
                else f"default {_short(v)} does not fit enum '{t.name}'"
            )
        if v.enum != t.name:
            return v.span, f"default {v.enum}.{v.member} is not a member of enum '{t.name}'"
        if all(m.name != v.member for m in decl.members):
            return v.span, f"enum '{t.name}' has no member '{v.member}'"
        return None
    return v.span, (
        f"'{t.name}' has no literal values: only an optional '{t.name}?' can have a default (none)"
    )


def _fit_primitive(
    v: ugm.Value,
    name: str,
    mismatch: Callable[[], Problem],
) -> Problem | None:
    if isinstance(v, ugm.IntLit) and not isinstance(v.value, bool):
        if name not in ("int", "float", "decimal"):
            return mismatch()
        if not INT64_MIN <= v.value <= INT64_MAX:
            return v.span, f"integer {v.value} does not fit in 64 bits"
        return None
    if isinstance(v, ugm.FloatLit):
        if name != "float":
            return mismatch()
        if not math.isfinite(v.value):
            return v.span, "float default must be finite"
        return None
    if isinstance(v, ugm.BoolLit):
        return None if name == "bool" else mismatch()
    if isinstance(v, ugm.BytesLit):
        return None if name == "bytes" else mismatch()
    if isinstance(v, ugm.StrLit):
        return _fit_string(v, name, mismatch)
    return mismatch()


def _short(v: ugm.Value) -> str:
    text = value_text(v)
    return text if len(text) <= 40 else text[:37] + "..."


def _fit_string(v: ugm.StrLit, name: str, mismatch: Callable[[], Problem]) -> Problem | None:
    if name == "str":
        if _SURROGATE.search(v.value):
            # Only a model built in code can hold one (the parser refuses the escape); UTF-8
            # cannot carry it, so the wire and every generated client would fail on it.
            return v.span, f"default {_short(v)} holds a lone UTF-16 surrogate, not a character"
        return None
    if name == "decimal":
        try:
            ok = decimal.Decimal(v.value).is_finite()
        except decimal.InvalidOperation:
            ok = False
        return None if ok else (v.span, f"{quote_str(v.value)} is not a decimal number")
    parser = _ISO_PARSERS.get(name)
    if parser is not None:
        try:
            parser(v.value)
        except ValueError:
            return v.span, f"{quote_str(v.value)} is not an ISO 8601 {name}"
        return None
    if name == "uuid":
        try:
            ok = str(uuid.UUID(v.value)) == v.value.lower()
        except ValueError:
            ok = False
        return None if ok else (v.span, f"{quote_str(v.value)} is not a canonical uuid")
    return mismatch()
