"""UGM types in Python: annotations, and the expressions that convert values to and from the
wire (`graftcode_runtime.binding.wire` checks, records through `_convert`, proxies)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from graftcode_runtime import ugm

from graftc.targets.python import model as m
from graftc.targets.python import naming

if TYPE_CHECKING:
    from graftc.targets.python.lower import Context

_FROM_WIRE_PRIMITIVE = {
    "bool": "as_bool",
    "int": "as_int",
    "float": "as_float",
    "str": "as_str",
    "bytes": "as_bytes",
    "none": "as_none",
    "date": "as_date",
    "datetime": "as_datetime",
    "time": "as_time",
    "decimal": "as_decimal",
    "uuid": "as_uuid",
    "duration": "as_duration",
}

# Primitives whose wire value is already the Python value when its exact type is this class.
_EXACT = {"bool": "bool", "int": "int", "float": "float", "str": "str", "bytes": "bytes"}


@dataclass(frozen=True)
class Where:
    """Where an expression is rendered: which file (for imports), sync or async, and the
    expression that names the channel (needed to wrap class instances)."""

    imports: m.Imports
    in_convert: bool = False
    asynchronous: bool = False
    channel: str = "self._ch"


def annotation(ctx: Context, t: ugm.TypeRef, w: Where, param: bool = False) -> str:
    """`param`: the type a caller passes (`Sequence`, `Mapping`), not the one it gets back."""
    if isinstance(t, ugm.Primitive):
        if t.name in ("date", "datetime", "time"):
            w.imports.std("datetime")
            return f"datetime.{t.name}"
        if t.name == "decimal":
            w.imports.std("decimal")
            return "decimal.Decimal"
        if t.name == "uuid":
            w.imports.std("uuid")
            return "uuid.UUID"
        if t.name == "duration":
            w.imports.std("datetime")
            return "datetime.timedelta"
        return "None" if t.name == "none" else t.name
    if isinstance(t, ugm.Optional):
        return f"{annotation(ctx, t.inner, w, param)} | None"
    if isinstance(t, ugm.ListOf):
        item = annotation(ctx, t.item, w, param)
        if param:
            w.imports.std("collections.abc", "Sequence")
            return f"Sequence[{item}]"
        return f"list[{item}]"
    if isinstance(t, ugm.MapOf):
        k, v = annotation(ctx, t.key, w, param), annotation(ctx, t.value, w, param)
        if param:
            w.imports.std("collections.abc", "Mapping")
            return f"Mapping[{k}, {v}]"
        return f"dict[{k}, {v}]"
    if isinstance(t, ugm.UnionOf | ugm.LiteralOf | ugm.TupleOf):
        return _composite_annotation(ctx, t, w, param)
    if isinstance(t, ugm.StreamOf):
        item = annotation(ctx, t.item, w, param)
        if param:  # any iterable; the trio client also takes an async one
            w.imports.std("collections.abc", "Iterable")
            if not w.asynchronous:
                return f"Iterable[{item}]"
            w.imports.std("collections.abc", "AsyncIterable")
            return f"Iterable[{item}] | AsyncIterable[{item}]"
        kind = "AsyncRemoteStream" if w.asynchronous else "RemoteStream"
        w.imports.third("graftcode_runtime", kind)
        return f"{kind}[{item}]"
    return named(ctx, t, w)


def named(ctx: Context, t: ugm.Named | ugm.StreamOf, w: Where) -> str:
    if isinstance(t, ugm.StreamOf):
        ctx.error(t, "a stream is only a method's return type or parameter type")
        return "object"
    d = ctx.decls.get(t.name)
    if d is None or isinstance(d, ugm.Service):
        ctx.error(t, f"unknown type {t.name!r}")
        return "object"
    if isinstance(d, ugm.Class):
        name = ctx.async_py[d.name] if w.asynchronous else ctx.py[d.name]
        if w.imports is not ctx.files["_client"]:
            ctx.error(
                t,
                f"{t.name!r} is a class: the Python target passes class instances only as "
                "parameters and results, not inside records or errors",
            )
        return name
    if isinstance(d, ugm.Error):
        ctx.error(t, f"{t.name!r} is an error type; it cannot be used as a value")
        return "object"
    if w.imports is not ctx.files["_types"]:
        w.imports.rel("._types", ctx.py[d.name])
    return ctx.py[d.name]


def from_wire(ctx: Context, t: ugm.TypeRef, src: str, w: Where, depth: int = 0) -> str:
    """An expression reading wire value `src` as type `t` (raising on a wrong shape)."""
    x = f"x{depth}"
    if isinstance(t, ugm.Primitive):
        read = f"{wire_ref(w)}.{_FROM_WIRE_PRIMITIVE[t.name]}"
        exact = _EXACT.get(t.name)
        if exact is None:
            return f"{read}({src})"
        # the well-formed value costs a type test, not a call (the call raises or converts)
        if src.isidentifier():
            return f"({src} if type({src}) is {exact} else {read}({src}))"
        v = f"_v{depth}"
        return f"({v} if type({v} := {src}) is {exact} else {read}({v}))"
    if isinstance(t, ugm.Optional):
        # inline, like the primitives: a present value costs no `wire.optional` call (nor a
        # lambda's); `src` is read once (an identifier, or bound by the walrus)
        v = src if src.isidentifier() else f"_o{depth}"
        bound = v if v == src else f"({v} := {src})"
        return f"(None if {bound} is None else {from_wire(ctx, t.inner, v, w, depth + 1)})"
    if isinstance(t, ugm.ListOf):
        item = from_wire(ctx, t.item, x, w, depth + 1)
        return f"[{item} for {x} in {wire_ref(w)}.seq({src})]"
    if isinstance(t, ugm.MapOf):
        k, v = f"k{depth}", f"v{depth}"
        key = from_wire(ctx, t.key, k, w, depth + 1)
        value = from_wire(ctx, t.value, v, w, depth + 1)
        return f"{{{key}: {value} for {k}, {v} in {wire_ref(w)}.pairs({src})}}"
    if isinstance(t, ugm.UnionOf | ugm.LiteralOf | ugm.TupleOf):
        return _composite_from_wire(ctx, t, src, w, depth)
    if isinstance(t, ugm.StreamOf):
        return named(ctx, t, w)  # reports it: streams are never values
    return _declared(ctx, t, src, w, reading=True)


def to_wire(ctx: Context, t: ugm.TypeRef, src: str, w: Where, depth: int = 0) -> str:
    """An expression turning the value `src` of type `t` into its wire value."""
    x = f"x{depth}"
    if isinstance(t, ugm.Primitive):
        if t.name == "float":
            return f"float({src})"
        if t.name in ("date", "datetime", "time"):
            return f"{src}.isoformat()"
        if t.name in ("decimal", "uuid"):
            return f"str({src})"
        if t.name == "duration":  # a count of microseconds, timedelta's resolution: exact
            w.imports.std("datetime")
            return f"{src} // datetime.timedelta(microseconds=1)"
        if t.name == "bytes":
            return f"bytes({src})"
        return src
    if isinstance(t, ugm.Optional):
        inner = to_wire(ctx, t.inner, src, w, depth)
        return src if inner == src else f"None if {src} is None else {inner}"
    if isinstance(t, ugm.ListOf):
        item = to_wire(ctx, t.item, x, w, depth + 1)
        return f"list({src})" if item == x else f"[{item} for {x} in {src}]"
    if isinstance(t, ugm.MapOf):
        k, v = f"k{depth}", f"v{depth}"
        key, value = to_wire(ctx, t.key, k, w, depth + 1), to_wire(ctx, t.value, v, w, depth + 1)
        if key == k and value == v:
            return f"dict({src})"
        return f"{{{key}: {value} for {k}, {v} in {src}.items()}}"
    if isinstance(t, ugm.UnionOf | ugm.LiteralOf | ugm.TupleOf):
        return _composite_to_wire(ctx, t, src, w, depth)
    if isinstance(t, ugm.StreamOf):
        return named(ctx, t, w)  # reports it: streams are never values
    return _declared(ctx, t, src, w, reading=False)


def _declared(ctx: Context, t: ugm.Named, src: str, w: Where, *, reading: bool) -> str:
    """A value of a declared type from the wire (`reading`) or to it: enums by value, records
    through the `_convert` functions, class instances as references bound to the channel."""
    d = ctx.decls.get(t.name)
    name = named(ctx, t, w)
    if isinstance(d, ugm.Enum):
        return f"{wire_ref(w)}.as_enum({name}, {src})" if reading else f"{src}.value"
    if isinstance(d, ugm.Record):
        way = "from" if reading else "to"
        return f"{_convert(w)}{naming.snake(name)}_{way}_wire({src})"
    if isinstance(d, ugm.Class):
        return f"{name}._from_wire({w.channel}, {src})" if reading else f"{src}._to_wire()"
    return src


def wire_ref(w: Where) -> str:
    w.imports.third("graftcode_runtime.binding", "wire")
    return "wire"


def _convert(w: Where) -> str:
    if w.in_convert:
        return ""
    w.imports.rel(".", "_convert")
    return "_convert."


# -- unions, literal sets and tuples ---------------------------------------------------------
# Union values cross tagged (`[member text, value]`, docs/protocol.md section 6.3.1): reading goes
# through `wire.as_union` with one reader per tag, writing through `wire.tag_union`, which picks
# the member from the value's Python class. Literal sets and tuples need only a checked read.

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
    "duration": "datetime.timedelta",
}


def _composite_annotation(ctx: Context, t: ugm.TypeRef, w: Where, param: bool) -> str:
    if isinstance(t, ugm.UnionOf):
        return " | ".join(annotation(ctx, m, w, param) for m in t.members)
    if isinstance(t, ugm.LiteralOf):
        w.imports.std("typing", "Literal")
        return "Literal[" + ", ".join(_py_literal(v) for v in t.values) + "]"
    assert isinstance(t, ugm.TupleOf)
    return "tuple[" + ", ".join(annotation(ctx, x, w, param) for x in t.items) + "]"


def _composite_from_wire(ctx: Context, t: ugm.TypeRef, src: str, w: Where, depth: int) -> str:
    wire = wire_ref(w)
    x = f"x{depth}"
    if isinstance(t, ugm.LiteralOf):
        w.imports.std("typing", "cast")
        values = ", ".join(_py_literal(v) for v in t.values)
        kind = _composite_annotation(ctx, t, w, False)
        return f'cast("{kind}", {wire}.as_literal({src}, ({values},)))'
    if isinstance(t, ugm.TupleOf):
        items = ", ".join(
            from_wire(ctx, item, f"{x}[{i}]", w, depth + 1) for i, item in enumerate(t.items)
        )
        return f"{wire}.read_tuple({src}, {len(t.items)}, lambda {x}: ({items},))"
    assert isinstance(t, ugm.UnionOf)
    w.imports.std("typing", "cast")
    readers = ", ".join(
        f"{ugm.type_text(m)!r}: lambda {x}: {from_wire(ctx, m, x, w, depth + 1)}" for m in t.members
    )
    kind = _composite_annotation(ctx, t, w, False)
    return f'cast("{kind}", {wire}.as_union({src}, {{{readers}}}))'


def _composite_to_wire(ctx: Context, t: ugm.TypeRef, src: str, w: Where, depth: int) -> str:
    x = f"x{depth}"
    if isinstance(t, ugm.LiteralOf):
        return src
    if isinstance(t, ugm.TupleOf):
        items = ", ".join(
            to_wire(ctx, item, f"{src}[{i}]", w, depth + 1) for i, item in enumerate(t.items)
        )
        return f"[{items}]"
    assert isinstance(t, ugm.UnionOf)
    members = ", ".join(
        f"({ugm.type_text(m)!r}, ({_classes(ctx, m, w)},), "
        f"lambda {x}: {to_wire(ctx, m, x, w, depth + 1)})"
        for m in t.members
    )
    return f"{wire_ref(w)}.tag_union({src}, ({members},))"


def _classes(ctx: Context, t: ugm.TypeRef, w: Where) -> str:
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
        return named(ctx, t, w)
    ctx.error(t, f"'{ugm.type_text(t)}' cannot be a union member")
    return "object"


def _py_literal(v: ugm.LiteralValue) -> str:
    return repr(v.value)
