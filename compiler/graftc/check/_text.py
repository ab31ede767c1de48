"""How findings spell values and declaration kinds."""

from __future__ import annotations

from graftcode_runtime import ugm

_KIND = {
    ugm.Record: "record",
    ugm.Enum: "enum",
    ugm.Error: "error",
    ugm.Service: "service",
    ugm.Class: "class",
}


def decl_kind(decl: ugm.Decl) -> str:
    return _KIND[type(decl)]


def _lit(v: ugm.Value | None) -> str:
    """A default value as the IDL spells it (for messages)."""
    if v is None:
        return "(none)"
    if isinstance(v, ugm.NoneLit):
        return "none"
    if isinstance(v, ugm.BoolLit):
        return "true" if v.value else "false"
    if isinstance(v, (ugm.IntLit, ugm.FloatLit)):
        return repr(v.value)
    if isinstance(v, ugm.StrLit):
        return '"' + v.value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, ugm.BytesLit):
        return f'b"{v.value.hex()}"'
    if isinstance(v, ugm.ListLit):
        return "[" + ", ".join(_lit(x) for x in v.items) + "]"
    if isinstance(v, ugm.MapLit):
        return "{" + ", ".join(f"{_lit(k)}: {_lit(x)}" for k, x in v.items) + "}"
    return f"{v.enum}.{v.member}"
