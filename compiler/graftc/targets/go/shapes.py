"""Unions, literal sets and tuples in Go: the names of the types the package declares for them,
their declarations (`model.GoUnion`, `GoLiteralSet`, `GoTuple`) and their wire conversions.

Go has no anonymous sum types, so each union, literal set and tuple becomes a named type, named
after the first place that uses it: `fn pick(value: int | str)` gives `PickValue`, its result
`PickResult`, a record field `Reading.value` gives `ReadingValue`; inside a container the name
grows (`Item` for a list item, `Value` for a map value, `V1` for a tuple's second item), and a
union member's type adds its shape (`PickValueInt`, `PickValueListStr`). Naming by place keeps a
name when a member or a literal is added (a compatible change on the wire must stay one in the
caller's source); one walk over the module (`names_of`) fixes every name before anything is
generated, so the package and Vision's snippets agree.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from graftcode_runtime import ugm

# values (for go_string) is used through the module: values imports types, which imports this
from graftc.targets.go import naming, values
from graftc.targets.go.model import Conversion, GoLiteralSet, GoTuple, GoUnion, GoUnionMember

Compound = ugm.UnionOf | ugm.LiteralOf | ugm.TupleOf


def shape(t: ugm.TypeRef) -> str:
    """The part of a union member's type name that says which member it is."""
    if isinstance(t, ugm.Primitive):
        return t.name.capitalize()
    if isinstance(t, ugm.Named):
        return t.name
    if isinstance(t, ugm.Optional):
        return "Opt" + shape(t.inner)
    if isinstance(t, ugm.ListOf):
        return "List" + shape(t.item)
    if isinstance(t, ugm.MapOf):
        return "Map" + shape(t.key) + shape(t.value)
    if isinstance(t, ugm.TupleOf):
        return "Tuple" + "".join(shape(x) for x in t.items)
    if isinstance(t, ugm.UnionOf):
        return "Or".join(shape(x) for x in t.members)
    return "Lit"


def _positions(m: ugm.Module) -> Iterator[tuple[str, ugm.TypeRef]]:
    """Every typed place in declaration order, with the Go name its compound types start from."""
    ex = naming.exported
    for d in m.decls:
        if isinstance(d, ugm.Record | ugm.Error):
            for f in d.fields:
                yield d.name + ex(f.name), f.type
        elif isinstance(d, ugm.Service):
            for fn in d.methods:
                yield from _callable(ex(fn.name), fn.params, fn.returns)
        elif isinstance(d, ugm.Class):
            if d.constructor is not None:
                yield from _callable("New" + d.name, d.constructor.params, None)
            for fn in d.methods:
                yield from _callable(d.name + ex(fn.name), fn.params, fn.returns)
            for p in d.properties:
                yield d.name + ex(p.name), p.type


def _callable(
    base: str, params: tuple[ugm.Param, ...], returns: ugm.TypeRef | None
) -> Iterator[tuple[str, ugm.TypeRef]]:
    for p in params:
        yield base + naming.exported(p.name), p.type
    if returns is not None:
        yield base + "Result", returns


def names_of(m: ugm.Module, reserved: Iterable[str]) -> dict[ugm.TypeRef, str]:
    """The Go type name of each union, literal set and tuple `m` uses (first place wins)."""
    taken = set(reserved) | {d.name for d in m.decls}
    out: dict[ugm.TypeRef, str] = {}

    def visit(t: ugm.TypeRef, base: str) -> None:
        if isinstance(t, ugm.Optional):
            visit(t.inner, base)
        elif isinstance(t, ugm.ListOf):
            visit(t.item, base + "Item")
        elif isinstance(t, ugm.MapOf):
            visit(t.value, base + "Value")
        elif isinstance(t, Compound) and t not in out:
            name, n = base, 2
            while name in taken:
                name, n = f"{base}{n}", n + 1
            taken.add(name)
            out[t] = name
            if isinstance(t, ugm.UnionOf):
                for x in t.members:
                    visit(x, name + shape(x))
            elif isinstance(t, ugm.TupleOf):
                for i, x in enumerate(t.items):
                    visit(x, f"{name}V{i}")

    for base, t in _positions(m):
        visit(t, base)
    return out


# -- declarations and conversions ---------------------------------------------------------------


def union(name: str, t: ugm.UnionOf, members: list[tuple[ugm.TypeRef, Conversion]]) -> GoUnion:
    """`members` pairs each member type with its conversion."""
    out = []
    for x, conv in members:
        if isinstance(x, ugm.TupleOf):  # the tuple's own struct is the member: no wrapper
            out.append(GoUnionMember(conv.go, "", "x", "{}", ugm.type_text(x), conv.key))
        elif conv.go.startswith("*"):  # a handle: Go allows no methods on a pointer type
            member = name + shape(x)
            out.append(
                GoUnionMember(
                    member,
                    f"struct{{ Value {conv.go} }}",
                    "x.Value",
                    member + "{{Value: {}}}",
                    ugm.type_text(x),
                    conv.key,
                )
            )
        else:
            member = name + shape(x)
            out.append(
                GoUnionMember(
                    member, conv.go, f"{conv.go}(x)", member + "({})", ugm.type_text(x), conv.key
                )
            )
    return GoUnion(name, tuple(out), (f"{name} is one of: {ugm.type_text(t)}.",))


def union_bodies(u: GoUnion) -> tuple[str, str]:
    to = ["switch x := v.(type) {"]
    from_ = [
        f'tag, x, err := untag(v, "a {u.name}")',
        "if err != nil {",
        "    return nil, err",
        "}",
        "switch tag {",
    ]
    for x in u.members:
        to += [
            f"case {x.name}:",
            f"    return []any{{{values.go_string(x.tag)}, toWire{x.conv}({x.unwrap})}}",
        ]
        from_ += [
            f"case {values.go_string(x.tag)}:",
            f"    y, err := fromWire{x.conv}(ch, x)",
            "    if err != nil {",
            "        return nil, err",
            "    }",
            f"    return {x.wrap.format('y')}, nil",
        ]
    to += ["}", f'return graft.Refuse("a {u.name} holds one of its member types, not %T", v)']
    from_ += ["}", f'return nil, unknownTag("{u.name}", tag)']
    return "\n".join(to), "\n".join(from_)


def literal_set(name: str, t: ugm.LiteralOf) -> GoLiteralSet:
    ints = all(isinstance(v, ugm.IntLit) for v in t.values)
    consts: list[tuple[str, str]] = []
    used: set[str] = set()
    for i, v in enumerate(t.values):
        if isinstance(v, ugm.IntLit):
            part = ("Minus" if v.value < 0 else "") + str(abs(v.value))
            lit = str(v.value)
        else:
            part = re.sub(r"\W", "", naming.exported(v.value), flags=re.ASCII) or f"V{i}"
            lit = values.go_string(v.value)
        const = name + part
        if const in used:
            const = f"{name}V{i}"
        used.add(const)
        consts.append((const, lit))
    doc = (f"{name} is one of: {ugm.type_text(t)} (the {name}* constants).",)
    return GoLiteralSet(name, "int64" if ints else "string", tuple(consts), ugm.type_text(t), doc)


def literal_bodies(s: GoLiteralSet, prim: Conversion) -> tuple[str, str]:
    verb = "%d" if s.base == "int64" else "%q"
    text = values.go_string(f"{s.name}({verb}) is not one of " + s.text.replace("%", "%%"))
    zero = "0" if s.base == "int64" else '""'
    to = f"if !v.Valid() {{\n    return graft.Refuse({text}, {s.base}(v))\n}}\nreturn {s.base}(v)"
    from_ = (
        f"x, err := {prim.from_}(ch, v)\n"
        f"if err != nil {{\n    return {zero}, err\n}}\n"
        f"if !{s.name}(x).Valid() {{\n"
        f"    return {zero}, graft.Errorf(graft.DataLoss, {text}, x)\n}}\n"
        f"return {s.name}(x), nil"
    )
    return to, from_


def tuple_(name: str, t: ugm.TupleOf, items: list[Conversion]) -> GoTuple:
    fields = tuple((f"V{i}", c.go, c.key) for i, c in enumerate(items))
    doc = (f"{name} holds a {ugm.type_text(t)}: its items in order are V0, V1, ...",)
    return GoTuple(name, fields, doc)


def tuple_bodies(tp: GoTuple) -> tuple[str, str]:
    n = len(tp.fields)
    to = "return []any{" + ", ".join(f"toWire{c}(v.{f})" for f, _, c in tp.fields) + "}"
    lines = [
        "s, ok := v.([]any)",
        f"if !ok || len(s) != {n} {{",
        f'    return {tp.name}{{}}, badWire("a tuple of {n}", v)',
        "}",
        f"var out {tp.name}",
    ]
    if n:
        lines.append("var err error")
    for i, (f, _, c) in enumerate(tp.fields):
        lines += [
            f"if out.{f}, err = fromWire{c}(ch, s[{i}]); err != nil {{",
            "    return out, err",
            "}",
        ]
    lines.append("return out, nil")
    return to, "\n".join(lines)
