"""UGM declarations and members as one-line IDL signatures, for Vision's member list.

The full module text comes from the IDL printer; these are the short forms shown next to each
member, in the same syntax so a reader learns one notation.
"""

from __future__ import annotations

from graftcode_runtime import ugm

from graftc.idl import params_text, type_text, value_text


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
    value = ugm.StrLit(m.value) if isinstance(m.value, str) else ugm.IntLit(m.value)
    return f"{m.name} = {value_text(value)}"


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
