"""UGM declarations and members as one-line IDL signatures, for Vision's member list.

The full module text comes from the IDL printer; these are the short forms shown next to each
member, in the same syntax so a reader learns one notation.
"""

from __future__ import annotations

import json

from graftcode_runtime import ugm


def type_text(t: ugm.TypeRef) -> str:
    if isinstance(t, ugm.Primitive):
        return t.name
    if isinstance(t, ugm.Optional):
        return f"{type_text(t.inner)}?"
    if isinstance(t, ugm.ListOf):
        return f"list<{type_text(t.item)}>"
    if isinstance(t, ugm.MapOf):
        return f"map<{type_text(t.key)}, {type_text(t.value)}>"
    return t.name


def value_text(v: ugm.Value) -> str:
    if isinstance(v, ugm.NoneLit):
        return "none"
    if isinstance(v, ugm.BoolLit):
        return "true" if v.value else "false"
    if isinstance(v, ugm.IntLit | ugm.FloatLit):
        return repr(v.value)
    if isinstance(v, ugm.StrLit):
        return json.dumps(v.value)
    if isinstance(v, ugm.BytesLit):
        return f'b"{v.value.hex()}"'
    if isinstance(v, ugm.ListLit):
        return "[" + ", ".join(value_text(x) for x in v.items) + "]"
    if isinstance(v, ugm.MapLit):
        return "{" + ", ".join(f"{value_text(k)}: {value_text(x)}" for k, x in v.items) + "}"
    return f"{v.enum}.{v.member}"


def params_text(params: tuple[ugm.Param, ...]) -> str:
    out: list[str] = []
    star = False
    for i, p in enumerate(params):
        if p.kind == "keyword" and not star:
            out.append("*")
            star = True
        text = f"{p.name}: {type_text(p.type)}"
        if p.default is not None:
            text += f" = {value_text(p.default)}"
        out.append(text)
        last_positional = p.kind == "positional" and (
            i + 1 == len(params) or params[i + 1].kind != "positional"
        )
        if last_positional:
            out.append("/")
    return ", ".join(out)


def method_text(m: ugm.Method) -> str:
    text = f"{'static ' if m.static else ''}fn {m.name}({params_text(m.params)})"
    if m.returns != ugm.Primitive("none"):
        text += f" -> {type_text(m.returns)}"
    if m.raises:
        text += " raises " + ", ".join(m.raises)
    return text


def constructor_text(c: ugm.Constructor) -> str:
    text = f"constructor({params_text(c.params)})"
    if c.raises:
        text += " raises " + ", ".join(c.raises)
    return text


def property_text(p: ugm.Property) -> str:
    return f"prop {'' if p.readonly else 'mut '}{p.name}: {type_text(p.type)}"


def field_text(f: ugm.Field) -> str:
    text = f"{f.name}: {type_text(f.type)}"
    if f.default is not None:
        text += f" = {value_text(f.default)}"
    return text


def member_value_text(m: ugm.EnumMember) -> str:
    return f"{m.name} = {json.dumps(m.value)}"


def decl_header(d: ugm.Decl) -> str:
    if isinstance(d, ugm.Error) and d.base:
        return f"error {d.name} extends {d.base}"
    kind = {
        ugm.Record: "record",
        ugm.Enum: "enum",
        ugm.Error: "error",
        ugm.Service: "service",
        ugm.Class: "class",
    }[type(d)]
    return f"{kind} {d.name}"
