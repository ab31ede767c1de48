"""Converters for unions, literal sets and tuples (docs/protocol.md section 6.3.1).

A union value travels as `[tag, value]`, the tag being the member's canonical IDL text
(`ugm.type_text`): adding a member never changes how the others are sent, so callers that never
send the new one keep working. Decoding looks the tag up; encoding picks the member the Python
value belongs to (an exact primitive match first, so `3` is `int` in `float | int`, then the first
member whose encoder accepts it). A literal set travels as the bare value, a tuple as an array of
exactly its length.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .. import ugm
from ..protocol._errors import InvalidValue
from ._converter import Converter, InstanceHooks, _expected, _kind

# The Python types a primitive member owns outright, for choosing a union member by value.
_EXACT: dict[str, tuple[type, ...]] = {
    "bool": (bool,),
    "int": (int,),
    "float": (float,),
    "str": (str,),
    "bytes": (bytes, bytearray, memoryview),
}


def union_converter(
    t: ugm.UnionOf, convert: Callable[[ugm.TypeRef], Converter], decode: bool
) -> Converter:
    """`convert` compiles one member (the codec's decoder or encoder)."""
    text = ugm.type_text(t)
    tags = [ugm.type_text(m) for m in t.members]
    by_tag = {tag: convert(m) for tag, m in zip(tags, t.members, strict=True)}
    if decode:

        def from_wire(v: Any, h: InstanceHooks | None) -> Any:
            if type(v) is not list or len(v) != 2 or type(v[0]) is not str:
                raise _expected(f"a tagged union value [member, value] of {text}", v)
            member = by_tag.get(v[0])
            if member is None:
                raise InvalidValue(f"{_short(v[0])} is not a member of {text}")
            return member(v[1], h)

        return from_wire

    exact = [
        (tag, _EXACT[m.name])
        for tag, m in zip(tags, t.members, strict=True)
        if isinstance(m, ugm.Primitive) and m.name in _EXACT
    ]

    def to_wire(v: Any, h: InstanceHooks | None) -> list[Any]:
        for tag, owned in exact:
            if type(v) in owned:
                return [tag, by_tag[tag](v, h)]
        for tag, member in by_tag.items():
            try:
                return [tag, member(v, h)]
            except InvalidValue:
                continue
        raise InvalidValue(f"expected {text}, got {_kind(v)} (it matches no member)")

    return to_wire


def literal_converter(t: ugm.LiteralOf) -> Converter:
    """The same check both ways: the value must be one of the set, of the set's kind."""
    allowed = {(type(v.value), v.value) for v in t.values}
    text = ugm.type_text(t)

    def convert(v: Any, _: InstanceHooks | None) -> Any:
        plain = str.__str__(v) if isinstance(v, str) else int(v) if _is_int(v) else v
        try:
            if (type(plain), plain) in allowed:
                return plain
        except TypeError:  # unhashable
            pass
        if type(plain) in (str, int):
            raise InvalidValue(f"expected one of {text}, got {_kind(v)} outside the set")
        raise _expected(text, v)

    return convert


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def tuple_converter(t: ugm.TupleOf, items: Sequence[Converter], decode: bool) -> Converter:
    text = ugm.type_text(t)
    n = len(items)

    def convert(v: Any, h: InstanceHooks | None) -> Any:
        if type(v) is not list and not isinstance(v, list | tuple):
            raise _expected(text, v)
        if len(v) != n:
            raise InvalidValue(f"expected {text} ({n} items), got {len(v)} items")
        out = []
        for i, (f, x) in enumerate(zip(items, v, strict=True)):
            try:
                out.append(f(x, h))
            except InvalidValue as e:
                raise e.within(f"[{i}]") from None
        return tuple(out) if decode else out

    return convert


def _short(tag: str) -> str:
    return repr(tag if len(tag) <= 40 else tag[:37] + "...")


def untagged_default(t: ugm.TypeRef, wire: Any, decoder: Callable[[ugm.TypeRef], Converter]) -> Any:
    """A declared default (an untagged literal) of a union type as its Python value: the first
    member that accepts it. Other types decode the wire value directly."""
    inner = t.inner if isinstance(t, ugm.Optional) else t
    if wire is None or not isinstance(inner, ugm.UnionOf):
        return decoder(t)(wire, None)
    exact = [m for m in inner.members if type(wire) in _EXACT.get(getattr(m, "name", ""), ())]
    for m in exact + list(inner.members):
        try:
            return decoder(m)(wire, None)
        except InvalidValue:
            continue
    raise InvalidValue(f"default matches no member of {ugm.type_text(inner)}")
