"""Example arguments for Vision's snippets, as `ugm.Value`s every language spells its own way.

A string is named after its parameter or field (`get_product("sku")`), other primitives get
fixed samples, an enum its first member, and nesting is cut off with empty lists and nones so
recursive records stay finite. A record is a map keyed by field name (its wire form): required
fields get examples, the others their defaults, and a language that lets callers leave defaults
out drops them. A class instance has no value form: it is an empty map typed as the class, which
languages spell as a variable holding one.
"""

from __future__ import annotations

from graftcode_runtime import ugm

_SAMPLES: dict[str, ugm.Value] = {
    "bool": ugm.BoolLit(True),
    "int": ugm.IntLit(1),
    "float": ugm.FloatLit(1.5),
    "str": ugm.StrLit("text"),
    "bytes": ugm.BytesLit(b"data"),
    "none": ugm.NoneLit(),
    "date": ugm.StrLit("2024-01-31"),
    "datetime": ugm.StrLit("2024-01-31T12:00:00Z"),
    "time": ugm.StrLit("12:00:00"),
    "decimal": ugm.StrLit("9.99"),
    "uuid": ugm.StrLit("12345678-1234-5678-1234-567812345678"),
    "duration": ugm.IntLit(90_000_000),  # microseconds, as on the wire: 90 seconds
}


def example(m: ugm.Module, t: ugm.TypeRef, name: str = "", depth: int = 0) -> ugm.Value:
    """An example value of type `t` (spell it read as `t`); `name` names strings."""
    if isinstance(t, ugm.Primitive):
        return ugm.StrLit(name) if t.name == "str" and name else _SAMPLES[t.name]
    if isinstance(t, ugm.Optional):
        return ugm.NoneLit() if depth >= 2 else example(m, t.inner, name, depth)
    if isinstance(t, ugm.ListOf):
        return ugm.ListLit(() if depth >= 3 else (example(m, t.item, "", depth + 1),))
    if isinstance(t, ugm.MapOf):
        key = ugm.StrLit("key") if t.key == ugm.Primitive("str") else ugm.IntLit(1)
        return ugm.MapLit(((key, example(m, t.value, "", depth + 1)),))
    if isinstance(t, ugm.LiteralOf):
        return t.values[0]
    if isinstance(t, ugm.UnionOf):
        return example(m, t.members[0], name, depth)
    if isinstance(t, ugm.TupleOf):
        return ugm.ListLit(tuple(example(m, x, "", depth + 1) for x in t.items))
    if isinstance(t, ugm.StreamOf):  # a stream parameter's example: a few of its items
        return ugm.ListLit((example(m, t.item, "", depth + 1),))
    d = m.find(t.name)
    if isinstance(d, ugm.Enum) and d.members:
        return ugm.EnumLit(d.name, d.members[0].name)
    if isinstance(d, ugm.Record):
        return ugm.MapLit(
            tuple(
                (
                    ugm.StrLit(f.name),
                    f.default if f.default is not None else example(m, f.type, f.name, depth + 1),
                )
                for f in d.fields
            )
        )
    if isinstance(d, ugm.Class):
        return ugm.MapLit(())
    return ugm.NoneLit()


def required(params: tuple[ugm.Param, ...]) -> list[ugm.Param]:
    """The parameters a caller must pass: snippets show those and leave defaults out."""
    return [p for p in params if p.default is None]
