"""The UGM's JSON form: `to_json` / `from_json`, `dumps` / `loads`, and `schema_hash`.

Every node becomes {"node": <class name>, <field>: ...}; spans are kept (as [line, col,
end_line, end_col, file]) so tools reading the JSON can point at the source, and dropped when
`spans=False`. Bytes become {"node": "bytes", "hex": ...}; tuples become lists.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import fields, is_dataclass
from typing import Any

from graftcode_runtime.ugm import (
    SCHEMA_VERSION,
    Annotation,
    BoolLit,
    BytesLit,
    Class,
    Constructor,
    Enum,
    EnumLit,
    EnumMember,
    Error,
    Field,
    FloatLit,
    IntLit,
    ListLit,
    ListOf,
    LiteralOf,
    MapLit,
    MapOf,
    Method,
    Module,
    Named,
    NoneLit,
    Optional,
    Param,
    Primitive,
    Property,
    Record,
    Service,
    Span,
    StreamOf,
    StrLit,
    TupleOf,
    UnionOf,
)

_NODE_TYPES: dict[str, type] = {
    cls.__name__: cls
    for cls in (
        Primitive,
        Optional,
        ListOf,
        MapOf,
        Named,
        UnionOf,
        LiteralOf,
        TupleOf,
        StreamOf,
        NoneLit,
        BoolLit,
        IntLit,
        FloatLit,
        StrLit,
        BytesLit,
        ListLit,
        MapLit,
        EnumLit,
        Annotation,
        Param,
        Field,
        Record,
        EnumMember,
        Enum,
        Error,
        Method,
        Constructor,
        Property,
        Service,
        Class,
        Module,
    )
}


def _encode(obj: Any, spans: bool) -> Any:
    if isinstance(obj, Span):
        return [obj.line, obj.column, obj.end_line, obj.end_column, obj.file]
    if is_dataclass(obj) and not isinstance(obj, type):
        out: dict[str, Any] = {"node": type(obj).__name__}
        for f in fields(obj):
            v = getattr(obj, f.name)
            if f.name == "span":
                if spans and v is not None:
                    out["span"] = _encode(v, spans)
                continue
            out[f.name] = _encode(v, spans)
        return out
    if isinstance(obj, tuple):
        return [_encode(x, spans) for x in obj]
    if isinstance(obj, bytes):
        return {"node": "bytes", "hex": obj.hex()}
    return obj


def _decode(obj: Any) -> Any:
    if isinstance(obj, list):
        return tuple(_decode(x) for x in obj)
    if isinstance(obj, dict):
        tag = obj.get("node")
        if tag == "bytes":
            return bytes.fromhex(obj["hex"])
        cls = _NODE_TYPES.get(tag) if isinstance(tag, str) else None
        if cls is None:
            raise ValueError(f"unknown UGM node {tag!r}")
        kwargs: dict[str, Any] = {}
        for f in fields(cls):
            if f.name == "span":
                s = obj.get("span")
                if s is not None:
                    kwargs["span"] = Span(*s)
            elif f.name in obj:
                kwargs[f.name] = _decode(obj[f.name])
        return cls(**kwargs)
    return obj


def to_json(module: Module, *, spans: bool = True) -> dict[str, Any]:
    """The module as a JSON-ready dict, tagged with the schema version."""
    return {"schema": SCHEMA_VERSION, "module": _encode(module, spans)}


def from_json(data: dict[str, Any]) -> Module:
    """Inverse of `to_json`. Raises ValueError on an unknown schema version or node."""
    if data.get("schema") != SCHEMA_VERSION:
        raise ValueError(
            f"unsupported UGM schema {data.get('schema')!r}, expected {SCHEMA_VERSION}"
        )
    module = _decode(data["module"])
    if not isinstance(module, Module):
        raise ValueError("UGM JSON does not hold a module")
    return module


def dumps(module: Module, *, spans: bool = True, indent: int | None = 2) -> str:
    return json.dumps(to_json(module, spans=spans), indent=indent, sort_keys=True)


def loads(text: str) -> Module:
    return from_json(json.loads(text))


def _strip_for_hash(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {
            k: _strip_for_hash(v) for k, v in obj.items() if k not in ("doc", "annotations", "span")
        }
    if isinstance(obj, list):
        return [_strip_for_hash(x) for x in obj]
    return obj


def schema_hash(module: Module) -> str:
    """sha256 (hex) of the wire-relevant surface: names, types, defaults, kinds, raises.

    Docs, annotations, positions and the version are left out, so editing a docstring or bumping
    the version alone does not change it.
    """
    data = _strip_for_hash(_encode(module, spans=False))
    data.pop("version", None)  # the hash says what the surface is; the version says what it claims
    blob = json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(blob).hexdigest()
