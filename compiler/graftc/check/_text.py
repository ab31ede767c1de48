"""How findings spell values and declaration kinds."""

from __future__ import annotations

from graftcode_runtime import ugm

from graftc.idl import value_text

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
    return "(none)" if v is None else value_text(v)
