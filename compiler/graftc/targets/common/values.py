"""The one walk over `ugm.Value`s; every spelling of a literal goes through it.

Generated defaults (Python, TypeScript), Vision's example arguments, the IDL printer's
`value_text` and `graftc check`'s messages all walk values the same way and differ only in how
a leaf or a container is written. So the walk is here, once, and each language subclasses
`Spelling` for its own text. The walk hands every hook the type the value is spelled as (the
declared type without `?`, or None when unknown), so `1` can become `1.0` for a float field or a
string a `datetime.date(...)` for a date one. Leaf hooks get the literal node, whose span a
hook can point a diagnostic at.

A map typed as a declared type (`Named`) is a record written field by field, as records travel
on the wire (keyed by field name); the IDL has no such literal, but Vision's examples do.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

from graftcode_runtime import ugm


class Spelling(ABC):
    """How one language writes values. The defaults are the IDL's own spelling."""

    module: ugm.Module | None = None  # where composite values find their declarations

    def none(self) -> str:
        return "none"

    def boolean(self, v: ugm.BoolLit) -> str:
        return "true" if v.value else "false"

    def integer(self, v: ugm.IntLit, t: ugm.TypeRef | None) -> str:
        return str(int(v.value))

    @abstractmethod
    def floating(self, v: ugm.FloatLit, t: ugm.TypeRef | None) -> str: ...

    @abstractmethod
    def string(self, v: ugm.StrLit, t: ugm.TypeRef | None) -> str: ...

    @abstractmethod
    def binary(self, v: ugm.BytesLit) -> str: ...

    def sequence(self, items: Sequence[str], t: ugm.ListOf | None) -> str:
        return "[" + ", ".join(items) + "]"

    def mapping(self, pairs: Sequence[tuple[str, str]], t: ugm.MapOf | None) -> str:
        return "{" + ", ".join(f"{k}: {v}" for k, v in pairs) + "}"

    def tuple_(self, items: Sequence[str]) -> str:
        """A fixed-size tuple; languages without a tuple literal write an array."""
        return self.sequence(items, None)

    def fixed(self, items: Sequence[str], t: ugm.TupleOf) -> str:
        """A value of tuple type `t`; languages that name each tuple type spell it here."""
        return self.tuple_(items)

    def member(self, value: str, member: ugm.TypeRef | None, union: ugm.UnionOf) -> str:
        """`value`, spelled as `member`, as a value of `union`: languages whose union members
        are types of their own (Go) wrap it here."""
        return value

    def enum(self, lit: ugm.EnumLit) -> str:
        return f"{lit.enum}.{lit.member}"

    def field_type(self, decl: str, field: str) -> ugm.TypeRef | None:
        """The type of field `field` of declaration `decl`, for spelling its value."""
        d = self.module.find(decl) if self.module is not None else None
        if isinstance(d, ugm.Record | ugm.Error):
            return next((f.type for f in d.fields if f.name == field), None)
        return None

    def composite(self, decl: str, fields: Sequence[tuple[str, str]]) -> str:
        """A value of declared type `decl` given as (field name, spelled value) pairs."""
        return self.mapping([(self.string(ugm.StrLit(k), None), v) for k, v in fields], None)


def spell(v: ugm.Value, s: Spelling, t: ugm.TypeRef | None = None) -> str:
    """`v` as `s` writes it, read as type `t` (None: whatever the value itself says)."""
    inner = t.inner if isinstance(t, ugm.Optional) else t
    if isinstance(inner, ugm.UnionOf) and not isinstance(v, ugm.NoneLit):
        member = member_of(v, inner)
        return s.member(spell(v, s, member), member, inner)
    if isinstance(v, ugm.NoneLit):
        return s.none()
    if isinstance(v, ugm.BoolLit):
        return s.boolean(v)
    if isinstance(v, ugm.IntLit):
        return s.integer(v, inner)
    if isinstance(v, ugm.FloatLit):
        return s.floating(v, inner)
    if isinstance(v, ugm.StrLit):
        return s.string(v, inner)
    if isinstance(v, ugm.BytesLit):
        return s.binary(v)
    if isinstance(v, ugm.ListLit):
        if isinstance(inner, ugm.TupleOf) and len(inner.items) == len(v.items):
            items = [spell(x, s, it) for x, it in zip(v.items, inner.items, strict=True)]
            return s.fixed(items, inner)
        item = inner.item if isinstance(inner, ugm.ListOf) else None
        seq = inner if isinstance(inner, ugm.ListOf) else None
        return s.sequence([spell(x, s, item) for x in v.items], seq)
    if isinstance(v, ugm.MapLit):
        if isinstance(inner, ugm.Named):
            return s.composite(inner.name, _fields(v, s, inner.name))
        kt, vt = (inner.key, inner.value) if isinstance(inner, ugm.MapOf) else (None, None)
        pairs = [(spell(k, s, kt), spell(x, s, vt)) for k, x in v.items]
        return s.mapping(pairs, inner if isinstance(inner, ugm.MapOf) else None)
    return s.enum(v)


def _fields(v: ugm.MapLit, s: Spelling, decl: str) -> list[tuple[str, str]]:
    out = []
    for k, x in v.items:
        name = k.value if isinstance(k, ugm.StrLit) else spell(k, s)
        out.append((name, spell(x, s, s.field_type(decl, name))))
    return out


# The primitive a literal is first read as when a union offers several members it fits.
_OWN_KIND: dict[type, ugm.PrimitiveName] = {
    ugm.IntLit: "int",
    ugm.FloatLit: "float",
    ugm.StrLit: "str",
    ugm.BoolLit: "bool",
}
_FITS: dict[type, tuple[type, ...]] = {
    ugm.IntLit: (ugm.Primitive,),
    ugm.FloatLit: (ugm.Primitive,),
    ugm.StrLit: (ugm.Primitive, ugm.LiteralOf),
    ugm.BoolLit: (ugm.Primitive,),
    ugm.BytesLit: (ugm.Primitive,),
    ugm.ListLit: (ugm.ListOf, ugm.TupleOf),
    ugm.MapLit: (ugm.MapOf, ugm.Named),
    ugm.EnumLit: (ugm.Named,),
}


def member_of(v: ugm.Value, t: ugm.UnionOf) -> ugm.TypeRef | None:
    """The member of union `t` a literal is spelled as: its own primitive kind when the union
    has it, else the first member of a matching shape (None: spell it by itself)."""
    own = _OWN_KIND.get(type(v))
    if own is not None and ugm.Primitive(own) in t.members:
        return ugm.Primitive(own)
    shapes = _FITS.get(type(v), ())
    if isinstance(v, ugm.EnumLit):
        return ugm.Named(v.enum) if ugm.Named(v.enum) in t.members else None
    return next((m for m in t.members if isinstance(m, shapes)), None)
