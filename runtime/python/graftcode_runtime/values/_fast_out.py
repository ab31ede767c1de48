"""One-pass encoders for the gateway's way out, used when a value has exactly its declared type.

A record whose Python value is an instance of the record's own class is encoded by a function
compiled for that class: one dict display, each primitive field taken as it is after an exact
type test (ints also range-checked), every other field through its ordinary encoder. Lists and
maps of exact primitives are checked with C-level passes (`map(type, ...)`, `min`, `max`).

These are shortcuts only: any value the shortcut does not take as it is (a subclass, an int out
of range, a missing attribute) sends the whole value through the general converters, which
give the same wire value or the same error, with the path of the offending field.
"""

from __future__ import annotations

import keyword
import os
from collections.abc import Callable, Sequence
from typing import Any

from .. import ugm
from ._converter import Converter, InstanceHooks

# GRAFTCODE_FAST_CONVERT=0 turns the shortcuts off, to compare (bench/cpu.py) or to rule them out.
ENABLED = os.environ.get("GRAFTCODE_FAST_CONVERT", "1") != "0"
_I64_MIN = -(1 << 63)
_I64_MAX = (1 << 63) - 1
# Primitives whose Python value is its wire value when its type is exactly this class.
_SAME_ON_WIRE: dict[str, type] = {
    "bool": bool,
    "int": int,
    "float": float,
    "str": str,
    "bytes": bytes,
}


def _field_expr(name: str, t: ugm.TypeRef, encoder: str, exact: dict[str, type]) -> str:
    access = f"v.{name}" if name.isidentifier() and not keyword.iskeyword(name) else None
    if access is None or name.startswith("__"):
        access = f"getattr(v, {name!r})"
    if isinstance(t, ugm.Primitive) and t.name in _SAME_ON_WIRE:
        cls = t.name
        exact[cls] = _SAME_ON_WIRE[cls]
        test = f"type(x := {access}) is {cls}"
        if cls == "int":
            test += " and _LO <= x <= _HI"
        return f"x if {test} else {encoder}({access}, h)"
    return f"{encoder}({access}, h)"


def record_encoder(
    cls: type,
    fields: Sequence[ugm.Field],
    encoder_of: Callable[[ugm.TypeRef], Converter],
    general: Converter,
) -> Converter:
    """`general` is the record's ordinary encoder: what every value not of class `cls`, and
    every value the shortcut cannot take as it is, goes through. The field encoders are looked
    up on first use (`encoder_of`), so recursive records compile without looping."""
    exact: dict[str, type] = {}
    items = ", ".join(
        f"{f.name!r}: {_field_expr(f.name, f.type, f'_e{i}', exact)}" for i, f in enumerate(fields)
    )
    source = (
        "def encode(v, h):\n"
        "    if type(v) is not _cls:\n"
        "        return _general(v, h)\n"
        "    try:\n"
        f"        return {{{items}}}\n"
        # too deep (or cyclic) stays too deep: retrying each level through the general
        # converters would double the work per level, 2**depth in all
        "    except RecursionError:\n"
        "        raise\n"
        "    except Exception:\n"
        "        return _general(v, h)\n"
    )
    scope: dict[str, Any] = {
        **exact,
        "_cls": cls,
        "_general": general,
        "_LO": _I64_MIN,
        "_HI": _I64_MAX,
    }

    def first_use(i: int, t: ugm.TypeRef) -> Converter:
        def resolve(v: Any, h: InstanceHooks | None) -> Any:
            real = scope[f"_e{i}"] = encoder_of(t)  # later calls reach it directly
            return real(v, h)

        return resolve

    for i, f in enumerate(fields):
        scope[f"_e{i}"] = first_use(i, f.type)
    code = compile(source, f"<graftcode encoder of {cls.__qualname__}>", "exec")
    exec(code, scope)  # source from field names only: reprs, and attributes that are identifiers
    encode: Converter = scope["encode"]
    return encode


def exact_items(item: ugm.TypeRef) -> Callable[[Any], bool] | None:
    """A C-level test that every item of a list (or value of a map) is taken as it is, for
    primitive item types that have one; None for the others."""
    if not isinstance(item, ugm.Primitive) or item.name not in _SAME_ON_WIRE:
        return None
    only = {_SAME_ON_WIRE[item.name]}
    if item.name == "int":

        def ints(values: Any) -> bool:
            return not values or (
                set(map(type, values)) <= only
                and _I64_MIN <= min(values)
                and max(values) <= _I64_MAX
            )

        return ints

    def same(values: Any) -> bool:
        return set(map(type, values)) <= only

    return same


def exact_entries(key: ugm.TypeRef, value: ugm.TypeRef) -> Callable[[dict[Any, Any]], bool] | None:
    """The same test for a map's keys and values; None unless both types have one."""
    keys, values = exact_items(key), exact_items(value)
    if keys is None or values is None:
        return None
    k, v = keys, values

    def same(d: dict[Any, Any]) -> bool:
        return k(d.keys()) and v(d.values())

    return same
