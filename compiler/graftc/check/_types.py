"""Type compatibility and data flow: which type changes old callers survive.

A value travels one way: arguments (and values written to properties) go from the caller to the
gateway (IN); return values, property reads and errors come back (OUT). A type change is safe for
a direction when every value the sender may produce is still accepted by the receiver. Records and
enums inherit the directions of every place they are used, so a record callers only receive may
gain required fields while one they send may not.

Two questions per change: can the receiver decode the bytes (WIRE), and does code written
against the old generated client still type-check (SOURCE, with Python's typing rules: int is
accepted where float is expected, T where T | None is).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable

from graftcode_runtime import ugm


class Flow(enum.Flag):
    IN = enum.auto()  # caller -> gateway
    OUT = enum.auto()  # gateway -> caller
    NONE = 0


BOTH_FLOWS = Flow.IN | Flow.OUT

# Primitives whose wire form is a msgpack string (docs/internals.md, "Values on the wire").
_STRING_ENCODED = frozenset({"date", "datetime", "time", "decimal", "uuid"})


format_type = ugm.type_text


def _named_refs(t: ugm.TypeRef) -> Iterable[str]:
    for x in ugm.walk_types(t):
        if isinstance(x, ugm.Named):
            yield x.name


def flows(module: ugm.Module) -> dict[str, Flow]:
    """For every record, enum and error: the directions its values travel in.

    Declarations nothing refers to get both directions: the checker cannot know how callers use
    them, so it assumes the worst.
    """
    found: dict[str, Flow] = {}

    def mark(t: ugm.TypeRef, flow: Flow) -> None:
        for name in _named_refs(t):
            decl = module.find(name)
            if not isinstance(decl, (ugm.Record, ugm.Enum, ugm.Error)):
                continue  # classes travel as references; their members are checked on their own
            before = found.get(name, Flow.NONE)
            if before & flow == flow:
                continue
            found[name] = before | flow
            if isinstance(decl, (ugm.Record, ugm.Error)):
                for f in decl.fields:
                    mark(f.type, flow)

    def method(m: ugm.Method | ugm.Constructor) -> None:
        for p in m.params:
            mark(p.type, Flow.IN)
        if isinstance(m, ugm.Method):
            mark(m.returns, Flow.OUT)
        for e in m.raises:
            mark(ugm.Named(e), Flow.OUT)

    for d in module.decls:
        if isinstance(d, ugm.Service):
            for m in d.methods:
                method(m)
        elif isinstance(d, ugm.Class):
            if d.constructor is not None:
                method(d.constructor)
            for m in d.methods:
                method(m)
            for p in d.properties:
                mark(p.type, Flow.OUT if p.readonly else BOTH_FLOWS)
    for d in module.decls:
        if isinstance(d, ugm.Error):
            mark(ugm.Named(d.name), Flow.OUT)  # errors only ever come back
        elif isinstance(d, (ugm.Record, ugm.Enum)) and d.name not in found:
            mark(ugm.Named(d.name), BOTH_FLOWS)
    return found


class Assignability:
    """Answers "is a value of type `src` accepted where `dst` is expected" on the wire and in code.

    Named types are compared by name only, like buf: a record renamed but otherwise identical is a
    different type (the changes inside a declaration are reported on the declaration itself).
    """

    def __init__(self, old: ugm.Module, new: ugm.Module) -> None:
        self._modules = (old, new)

    def _enum_value_kind(self, name: str) -> str | None:
        """ "int" or "str" when every member of enum `name` (in both versions) has that kind."""
        kinds: set[str] = set()
        for m in self._modules:
            d = m.find(name)
            if isinstance(d, ugm.Enum):
                kinds.update("str" if isinstance(x.value, str) else "int" for x in d.members)
            elif d is not None:
                return None
        return kinds.pop() if len(kinds) == 1 else None

    def wire(self, src: ugm.TypeRef, dst: ugm.TypeRef) -> bool:
        if src == dst:
            return True
        if isinstance(src, ugm.StreamOf) or isinstance(dst, ugm.StreamOf):
            # items by the usual rules; a stream against a plain type is a different call,
            # which METHOD_STREAMING_CHANGED reports (once, not again as a type change)
            if isinstance(src, ugm.StreamOf) and isinstance(dst, ugm.StreamOf):
                return self.wire(src.item, dst.item)
            return True
        if isinstance(dst, ugm.Optional):
            if isinstance(src, ugm.Primitive) and src.name == "none":
                return True
            inner = src.inner if isinstance(src, ugm.Optional) else src
            return self.wire(inner, dst.inner)
        if isinstance(src, ugm.Optional):
            return False
        if isinstance(src, ugm.UnionOf | ugm.LiteralOf | ugm.TupleOf) or isinstance(
            dst, ugm.UnionOf | ugm.LiteralOf | ugm.TupleOf
        ):
            return _composite(src, dst, self.wire, tagged=True)
        if isinstance(src, ugm.ListOf) and isinstance(dst, ugm.ListOf):
            return self.wire(src.item, dst.item)
        if isinstance(src, ugm.MapOf) and isinstance(dst, ugm.MapOf):
            return src.key == dst.key and self.wire(src.value, dst.value)
        if isinstance(src, ugm.Primitive) and isinstance(dst, ugm.Primitive):
            if src.name == "int" and dst.name == "float":
                return True  # receivers widen a msgpack int where a float is expected
            return src.name in _STRING_ENCODED and dst.name == "str"
        if isinstance(src, ugm.Named) and isinstance(dst, ugm.Primitive):
            return self._enum_value_kind(src.name) == dst.name  # enums travel as their value
        return False

    def source(self, src: ugm.TypeRef, dst: ugm.TypeRef) -> bool:
        if src == dst:
            return True
        if isinstance(src, ugm.StreamOf) or isinstance(dst, ugm.StreamOf):
            # items by the usual rules; a stream against a plain type is a different call,
            # which METHOD_STREAMING_CHANGED reports (once, not again as a type change)
            if isinstance(src, ugm.StreamOf) and isinstance(dst, ugm.StreamOf):
                return self.source(src.item, dst.item)
            return True
        if isinstance(dst, ugm.Optional):
            if isinstance(src, ugm.Primitive) and src.name == "none":
                return True
            inner = src.inner if isinstance(src, ugm.Optional) else src
            return self.source(inner, dst.inner)
        if isinstance(src, ugm.Optional):
            return False
        if isinstance(src, ugm.UnionOf | ugm.LiteralOf | ugm.TupleOf) or isinstance(
            dst, ugm.UnionOf | ugm.LiteralOf | ugm.TupleOf
        ):
            return _composite(src, dst, self.source, tagged=False)
        # Containers are treated as covariant: generated clients take Sequence and Mapping.
        if isinstance(src, ugm.ListOf) and isinstance(dst, ugm.ListOf):
            return self.source(src.item, dst.item)
        if isinstance(src, ugm.MapOf) and isinstance(dst, ugm.MapOf):
            return src.key == dst.key and self.source(src.value, dst.value)
        if isinstance(src, ugm.Primitive) and isinstance(dst, ugm.Primitive):
            # PEP 484's numeric tower: int is accepted for float, bool (an int) for int and float.
            return (src.name, dst.name) in {("int", "float"), ("bool", "int"), ("bool", "float")}
        return False

    def judge(self, old: ugm.TypeRef, new: ugm.TypeRef, flow: Flow) -> tuple[bool, bool]:
        """(wire_ok, source_ok) for changing `old` to `new` where values travel in `flow`."""
        wire_ok = source_ok = True
        if flow == Flow.OUT and old == ugm.Primitive("none"):
            return True, True  # callers that expected nothing back ignore whatever comes
        if flow & Flow.IN:
            wire_ok &= self.wire(old, new)
            source_ok &= self.source(old, new)
        if flow & Flow.OUT:
            wire_ok &= self.wire(new, old)
            source_ok &= self.source(new, old)
        return wire_ok, source_ok


def _composite(
    src: ugm.TypeRef,
    dst: ugm.TypeRef,
    fits: Callable[[ugm.TypeRef, ugm.TypeRef], bool],
    *,
    tagged: bool,
) -> bool:
    """Assignability where a union, literal set or tuple is involved.

    On the wire (`tagged`) a union value carries its member's text as the tag, so every member
    `src` may send must exist in `dst` under the same text; a plain value is never a union value
    and back. In source, a member fits when it fits some member of `dst` (`int` where
    `int | str` is expected). A literal set fits a wider set or its primitive kind; a tuple fits
    a tuple of the same length whose items each fit.
    """
    if isinstance(src, ugm.UnionOf):
        if tagged:
            return isinstance(dst, ugm.UnionOf) and {ugm.type_text(m) for m in src.members} <= {
                ugm.type_text(m) for m in dst.members
            }
        return all(_composite_member(m, dst, fits) for m in src.members)
    if isinstance(dst, ugm.UnionOf):
        return not tagged and any(fits(src, m) for m in dst.members)
    if isinstance(src, ugm.LiteralOf):
        if isinstance(dst, ugm.LiteralOf):
            return set(src.values) <= set(dst.values)
        if all(isinstance(v, ugm.StrLit) for v in src.values):
            return dst == ugm.Primitive("str")
        return dst in (ugm.Primitive("int"), ugm.Primitive("float"))
    if isinstance(src, ugm.TupleOf) and isinstance(dst, ugm.TupleOf):
        return len(src.items) == len(dst.items) and all(
            fits(a, b) for a, b in zip(src.items, dst.items, strict=True)
        )
    return False


def _composite_member(
    m: ugm.TypeRef, dst: ugm.TypeRef, fits: Callable[[ugm.TypeRef, ugm.TypeRef], bool]
) -> bool:
    if isinstance(dst, ugm.UnionOf):
        return any(fits(m, d) for d in dst.members)
    return fits(m, dst)
