"""Unions, literal sets and tuples in the Python target: `A | B`, `Literal[...]`, `tuple[A, B]`.

Union values cross tagged (`[member text, value]`, docs/protocol.md section 6.3.1): reading goes
through `wire.as_union` with one reader per tag, writing through `wire.tag_union`, which picks the
member from the value's Python class. Literal sets and tuples need only a checked read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from graftcode_runtime import ugm

from graftc.targets.python import types

if TYPE_CHECKING:
    from graftc.targets.python.lower import Context

# The Python classes whose values belong to a primitive member (exact class first, then
# isinstance: an int is accepted for a float member when no int member takes it).
_CLASSES = {
    "bool": "bool",
    "int": "int",
    "float": "float, int",
    "str": "str",
    "bytes": "bytes, bytearray, memoryview",
    "date": "datetime.date",
    "datetime": "datetime.datetime",
    "time": "datetime.time",
    "decimal": "decimal.Decimal",
    "uuid": "uuid.UUID",
}


def annotation(ctx: Context, t: ugm.TypeRef, w: types.Where, param: bool) -> str:
    if isinstance(t, ugm.UnionOf):
        return " | ".join(types.annotation(ctx, m, w, param) for m in t.members)
    if isinstance(t, ugm.LiteralOf):
        w.imports.std("typing", "Literal")
        return "Literal[" + ", ".join(_py_literal(v) for v in t.values) + "]"
    assert isinstance(t, ugm.TupleOf)
    return "tuple[" + ", ".join(types.annotation(ctx, x, w, param) for x in t.items) + "]"


def from_wire(ctx: Context, t: ugm.TypeRef, src: str, w: types.Where, depth: int) -> str:
    wire = types.wire_ref(w)
    x = f"x{depth}"
    if isinstance(t, ugm.LiteralOf):
        w.imports.std("typing", "cast")
        values = ", ".join(_py_literal(v) for v in t.values)
        kind = annotation(ctx, t, w, False)
        return f'cast("{kind}", {wire}.as_literal({src}, ({values},)))'
    if isinstance(t, ugm.TupleOf):
        items = ", ".join(
            types.from_wire(ctx, item, f"{x}[{i}]", w, depth + 1) for i, item in enumerate(t.items)
        )
        return f"{wire}.read_tuple({src}, {len(t.items)}, lambda {x}: ({items},))"
    assert isinstance(t, ugm.UnionOf)
    w.imports.std("typing", "cast")
    readers = ", ".join(
        f"{ugm.type_text(m)!r}: lambda {x}: {types.from_wire(ctx, m, x, w, depth + 1)}"
        for m in t.members
    )
    kind = annotation(ctx, t, w, False)
    return f'cast("{kind}", {wire}.as_union({src}, {{{readers}}}))'


def to_wire(ctx: Context, t: ugm.TypeRef, src: str, w: types.Where, depth: int) -> str:
    x = f"x{depth}"
    if isinstance(t, ugm.LiteralOf):
        return src
    if isinstance(t, ugm.TupleOf):
        items = ", ".join(
            types.to_wire(ctx, item, f"{src}[{i}]", w, depth + 1) for i, item in enumerate(t.items)
        )
        return f"[{items}]"
    assert isinstance(t, ugm.UnionOf)
    members = ", ".join(
        f"({ugm.type_text(m)!r}, ({_classes(ctx, m, w)},), "
        f"lambda {x}: {types.to_wire(ctx, m, x, w, depth + 1)})"
        for m in t.members
    )
    return f"{types.wire_ref(w)}.tag_union({src}, ({members},))"


def _classes(ctx: Context, t: ugm.TypeRef, w: types.Where) -> str:
    if isinstance(t, ugm.Primitive):
        for module in ("datetime", "decimal", "uuid"):
            if _CLASSES[t.name].startswith(module + "."):
                w.imports.std(module)
        return _CLASSES[t.name]
    if isinstance(t, ugm.ListOf):
        return "list, tuple"
    if isinstance(t, ugm.MapOf):
        w.imports.std("collections.abc", "Mapping")
        return "Mapping"
    if isinstance(t, ugm.TupleOf):
        return "tuple"
    if isinstance(t, ugm.Named):
        return types.named(ctx, t, w)
    ctx.error(t, f"'{ugm.type_text(t)}' cannot be a union member")
    return "object"


def _py_literal(v: ugm.LiteralValue) -> str:
    return repr(v.value)
