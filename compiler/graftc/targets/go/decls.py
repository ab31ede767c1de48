"""Enums, records and errors -> the Go model: typed constants with `String()`, structs, and
error structs that embed their base (so `errors.As` finds a `*NotFound` as a `*ShopError`).
Unions, literal sets and tuples (named by `naming.names_of`) -> their declarations and the
bodies of their wire conversions, made when `types.Conversions` first meets them."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from graftcode_runtime import ugm

from graftc.targets.go import naming
from graftc.targets.go.model import (
    Conversion,
    GoEnum,
    GoEnumMember,
    GoError,
    GoField,
    GoLiteralSet,
    GoRecord,
    GoTuple,
    GoUnion,
    GoUnionMember,
)
from graftc.targets.go.values import GoValues, enum_const, go_string, go_value

if TYPE_CHECKING:
    from graftc.targets.go.lower import Context


def enum(ctx: Context, e: ugm.Enum) -> GoEnum:
    base = "int64" if all(isinstance(m.value, int) for m in e.members) else "string"
    members = tuple(
        GoEnumMember(
            ctx.top.claim(enum_const(e.name, m.name), f"{e.name}.{m.name}", m.span),
            str(m.value) if isinstance(m.value, int) else go_string(m.value),
            ctx.doc(m),
        )
        for m in e.members
    )
    wire = tuple(m.name for m in e.members)
    lead = f"{e.name} is the enum {e.name}; its members are the {e.name}* constants."
    return GoEnum(e.name, base, members, wire, ctx.doc(e, lead=lead))


def fields(ctx: Context, what: str, items: tuple[ugm.Field, ...], *reserved: str) -> list[GoField]:
    scope = ctx.scope(what)
    scope.reserve(*reserved)
    params = ctx.scope(f"the parameters of New{what.split()[-1]}")
    out = []
    for f in items:
        conv = ctx.conv(f.type, f)
        default = None
        note: tuple[str, ...] = ()
        if f.default is not None:
            default = go_value(
                f.default,
                GoValues(ctx.types.go, ctx.error, f, ctx.module, wrap=ctx.types.wrap),
                f.type,
            )
            note = (f"Default: {ctx.default_note(f.default)}.",)
        out.append(
            GoField(
                name=scope.claim(naming.exported(f.name), f.name, f.span),
                wire=f.name,
                type=conv.go,
                conv=conv.key,
                doc=ctx.doc(f, note),
                default=default,
                param="" if default else params.claim(naming.unexported(f.name), f.name, f.span),
            )
        )
    return out


def record(ctx: Context, r: ugm.Record) -> GoRecord:
    items = tuple(fields(ctx, f"record {r.name}", r.fields))
    constructor = ""
    if any(f.default is not None for f in items):
        constructor = ctx.top.claim(f"New{r.name}", f"the constructor of record {r.name}", r.span)
    return GoRecord(
        r.name, items, ctx.doc(r, lead=f"{r.name} is the record {r.name}."), constructor
    )


def error(ctx: Context, e: ugm.Error, by_name: dict[str, ugm.Error]) -> GoError:
    chain: list[ugm.Error] = []  # the bases, nearest first
    seen = {e.name}
    base = by_name.get(e.base) if e.base else None
    while base is not None and base.name not in seen:
        chain.append(base)
        seen.add(base.name)
        base = by_name.get(base.base) if base.base else None
    selectors: list[str] = []
    path = ""
    for b in chain:
        path = f"{path}.{b.name}" if path else b.name
        selectors.append(path)
    own = fields(ctx, f"error {e.name}", e.fields, *naming.ERROR_RESERVED, *(b.name for b in chain))
    everything: list[tuple[str, GoField]] = [("", f) for f in own]
    for b, sel in zip(chain, selectors, strict=True):
        everything += [(sel + ".", f) for f in fields(ctx, f"error {b.name}", b.fields)]
    return GoError(
        name=e.name,
        base=chain[0].name if chain else None,
        bases=tuple((b.name, sel) for b, sel in zip(chain, selectors, strict=True)),
        fields=tuple(own),
        all_fields=tuple(everything),
        root=selectors[-1] if selectors else "",
        doc=ctx.doc(e, lead=f"{e.name} is the declared error {e.name}."),
    )


# -- unions, literal sets and tuples -----------------------------------------------------------


def union(name: str, t: ugm.UnionOf, members: list[tuple[ugm.TypeRef, Conversion]]) -> GoUnion:
    """`members` pairs each member type with its conversion."""
    out = []
    for x, conv in members:
        if isinstance(x, ugm.TupleOf):  # the tuple's own struct is the member: no wrapper
            out.append(GoUnionMember(conv.go, "", "x", "{}", ugm.type_text(x), conv.key))
        elif conv.go.startswith("*"):  # a handle: Go allows no methods on a pointer type
            member = name + naming.shape(x)
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
            member = name + naming.shape(x)
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
            f"    return []any{{{go_string(x.tag)}, toWire{x.conv}({x.unwrap})}}",
        ]
        from_ += [
            f"case {go_string(x.tag)}:",
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
            lit = go_string(v.value)
        const = name + part
        if const in used:
            const = f"{name}V{i}"
        used.add(const)
        consts.append((const, lit))
    doc = (f"{name} is one of: {ugm.type_text(t)} (the {name}* constants).",)
    return GoLiteralSet(name, "int64" if ints else "string", tuple(consts), ugm.type_text(t), doc)


def literal_bodies(s: GoLiteralSet, prim: Conversion) -> tuple[str, str]:
    verb = "%d" if s.base == "int64" else "%q"
    values = s.text.replace("%", "%%")
    text = go_string(f"{s.name}({verb}) is not one of {values}")
    sent = go_string(f"the gateway sent {s.name}({verb}), which is not one of {values}")
    zero = "0" if s.base == "int64" else '""'
    to = f"if !v.Valid() {{\n    return graft.Refuse({text}, {s.base}(v))\n}}\nreturn {s.base}(v)"
    from_ = (
        f"x, err := {prim.from_}(ch, v)\n"
        f"if err != nil {{\n    return {zero}, err\n}}\n"
        f"if !{s.name}(x).Valid() {{\n"
        f"    return {zero}, graft.Errorf(graft.DataLoss, {sent}, x)\n}}\n"
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
