"""UGM types in TypeScript: the static types callers see, and the runtime descriptors
(`t.int`, `t.list(...)`, `t.record(...)`) the runtime checks and converts values with."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from graftcode_runtime import ugm

from graftc.targets.common.walk import children

if TYPE_CHECKING:
    from graftc.targets.typescript.lower import Context

_PRIM_OUT = {
    "bool": "boolean",
    "int": "number",
    "float": "number",
    "str": "string",
    "bytes": "Uint8Array",
    "none": "null",
    "date": "string",
    "datetime": "string",
    "time": "string",
    "decimal": "string",
    "uuid": "string",
    # runtime/typescript/src/types.ts's Duration, spelled out so generated files import nothing
    "duration": "{ seconds: number; microseconds: number }",
}
_CONSTRUCTORS = {ugm.Optional: "optional", ugm.ListOf: "list", ugm.MapOf: "map"}
# Callers may pass a Date where the IDL has a date or datetime; results stay ISO strings.
_PRIM_IN = {
    **_PRIM_OUT,
    "date": "string | Date",
    "datetime": "string | Date",
    "duration": "{ readonly seconds: number; readonly microseconds: number }",
}


def ts_type(ctx: Context, t: ugm.TypeRef, mode: str = "out") -> str:
    """`mode` "in": the type a caller passes (readonly, `Init` records, dates as `Date`)."""
    if isinstance(t, ugm.Primitive):
        return (_PRIM_IN if mode == "in" else _PRIM_OUT)[t.name]
    if isinstance(t, ugm.Optional):
        return f"{ts_type(ctx, t.inner, mode)} | null"
    if isinstance(t, ugm.ListOf):
        item = ts_type(ctx, t.item, mode)
        if "|" in item or " " in item:
            return f"ReadonlyArray<{item}>" if mode == "in" else f"Array<{item}>"
        return f"readonly {item}[]" if mode == "in" else f"{item}[]"
    if isinstance(t, ugm.MapOf):
        value = ts_type(ctx, t.value, mode)
        if isinstance(t.key, ugm.Primitive) and t.key.name == "str":
            return (
                f"Readonly<Record<string, {value}>>" if mode == "in" else f"Record<string, {value}>"
            )
        return f"ReadonlyMap<number, {value}>" if mode == "in" else f"Map<number, {value}>"
    if isinstance(t, ugm.UnionOf):
        # `int | float` is `number | number` in TypeScript: one is enough
        return " | ".join(dict.fromkeys(ts_type(ctx, m, mode) for m in t.members))
    if isinstance(t, ugm.LiteralOf):
        return " | ".join(json.dumps(v.value) for v in t.values)
    if isinstance(t, ugm.TupleOf):
        items = ", ".join(ts_type(ctx, x, mode) for x in t.items)
        return f"readonly [{items}]" if mode == "in" else f"[{items}]"
    if isinstance(t, ugm.StreamOf):
        # callers pass any (async) iterable and read results with `for await`
        item = ts_type(ctx, t.item, mode)
        return (
            f"AsyncIterable<{item}> | Iterable<{item}>" if mode == "in" else f"RemoteStream<{item}>"
        )
    kind = ctx.kinds.get(t.name)
    if kind == "record":
        return f"{t.name}Init" if mode == "in" else t.name
    if kind in ("enum", "class"):
        return t.name
    if kind == "error":
        ctx.error(t, f"the TypeScript target cannot pass the error type {t.name} as a value")
        return "never"
    ctx.error(t, f"unknown type {t.name!r}")
    return "never"


def desc(ctx: Context, t: ugm.TypeRef) -> str:
    """The runtime descriptor of `t`, shaped like the type: `t.list(t.optional(t.int))`
    (records and enums have theirs in `$Name` constants)."""
    if isinstance(t, ugm.Primitive):
        return f"t.{t.name}"
    if isinstance(t, ugm.UnionOf):
        members = ", ".join(f"[{json.dumps(ugm.type_text(m))}, {desc(ctx, m)}]" for m in t.members)
        return f"t.union([{members}])"
    if isinstance(t, ugm.LiteralOf):
        return f"t.literal([{', '.join(json.dumps(v.value) for v in t.values)}])"
    if isinstance(t, ugm.TupleOf):
        return f"t.tuple([{', '.join(desc(ctx, x) for x in t.items)}])"
    if isinstance(t, ugm.StreamOf):
        return f"t.stream({desc(ctx, t.item)})"
    if not isinstance(t, ugm.Named):
        parts = ", ".join(desc(ctx, part) for part in children(t))
        return f"t.{_CONSTRUCTORS[type(t)]}({parts})"
    kind = ctx.kinds.get(t.name)
    if kind in ("record", "enum"):
        return f"${t.name}"
    return f"t.instance({json.dumps(t.name)})" if kind == "class" else "t.none"


def is_none(t: ugm.TypeRef) -> bool:
    return isinstance(t, ugm.Primitive) and t.name == "none"
