"""The MCP tools of a hosted module: which members are tools, their JSON Schemas (2020-12)
generated from the UGM, and the JSON form of their values.

JSON has no bytes, dates or 64-bit-safe decimals, so a tool's JSON is the Hypertube wire value
(docs/protocol.md) with two changes, and the schemas say exactly that: bytes are base64 strings
(`contentEncoding: base64`), and maps with int keys have their keys written as decimal strings
(JSON object keys are strings). Everything else already is JSON on the wire: records are
objects keyed by field name, enums their values, date/datetime/time ISO 8601 strings, decimals
and UUIDs strings, durations integers of microseconds, a union `[tag, value]` (the tag is the member's IDL text), a literal set the
value itself, a tuple an array of its length. The value codec checks what arrives (through the
one dispatch path), so conversion here only undoes the two JSON changes.

Tools are the static functions of the surface (service functions and static class methods)
whose signatures never mention a class or a stream: an instance is owned by a connection, and MCP's
current revision (2026-07-28) has no connection or session to own it (docs/gateway.md, MCP).
"""

from __future__ import annotations

import base64
import binascii
import fnmatch
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .. import ugm
from ..protocol import InvalidValue

_INT64 = {"minimum": -(2**63), "maximum": 2**63 - 1}
_DECIMAL = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$"
_PRIMITIVE_SCHEMAS: dict[str, dict[str, Any]] = {
    "bool": {"type": "boolean"},
    "int": {"type": "integer", **_INT64},
    "float": {"type": "number"},
    "str": {"type": "string"},
    "bytes": {"type": "string", "contentEncoding": "base64"},
    "none": {"type": "null"},
    "date": {"type": "string", "format": "date"},
    "datetime": {"type": "string", "format": "date-time"},
    "time": {"type": "string", "format": "time"},
    "decimal": {"type": "string", "pattern": _DECIMAL},
    "uuid": {"type": "string", "format": "uuid"},
    "duration": {"type": "integer", **_INT64, "description": "a duration in microseconds"},
}


@dataclass(frozen=True)
class Tool:
    """One MCP tool: its name (`function`, or `Class__method` for a static method), the
    call it makes (`target` is the service or class, as in a Hypertube CALL) and its UGM."""

    name: str
    target: str
    member: str
    method: ugm.Method
    idl_name: str  # `function` or `Class.method`, what allow-list patterns match


def tools_of(module: ugm.Module, allow: Sequence[str] = ()) -> list[Tool]:
    """The module's tools: every static function whose signature mentions no class, filtered
    by the allow-list globs (`add`, `Cart.*`); an empty list allows them all."""
    classes = {c.name for c in module.classes}
    found: list[Tool] = []
    for decl in module.decls:
        if isinstance(decl, ugm.Service):
            members = [(m, m.name, m.name) for m in decl.methods]
        elif isinstance(decl, ugm.Class):
            members = [
                (m, f"{decl.name}__{m.name}", f"{decl.name}.{m.name}")
                for m in decl.methods
                if m.static
            ]
        else:
            continue
        for method, name, idl_name in members:
            types = [p.type for p in method.params] + [method.returns]
            if any(isinstance(x, ugm.Named) and x.name in classes for x in _walk(types)):
                continue
            if any(isinstance(x, ugm.StreamOf) for x in _walk(types)):
                continue  # a tool call has one result: streaming members are not tools
            if allow and not any(fnmatch.fnmatchcase(idl_name, p) for p in allow):
                continue
            found.append(Tool(name, decl.name, method.name, method, idl_name))
    return found


def _walk(types: Sequence[ugm.TypeRef]) -> Iterator[ugm.TypeRef]:
    for t in types:
        yield from ugm.walk_types(t)


# ------------------------------------------------------------------------------ schemas


class SchemaBuilder:
    """JSON Schemas for one module's types; records, enums and errors go to `$defs` (records
    may be recursive) and are referenced with `$ref`."""

    def __init__(self, module: ugm.Module) -> None:
        self.decls = {d.name: d for d in module.decls}
        self.defs: dict[str, dict[str, Any]] = {}

    def input_schema(self, method: ugm.Method) -> dict[str, Any]:
        self.defs = {}
        properties = {
            p.name: self._with_default(self.schema(p.type), p.default) for p in method.params
        }
        schema: dict[str, Any] = {
            "type": "object",
            "properties": properties,
            "required": [p.name for p in method.params if p.default is None],
            "additionalProperties": False,
        }
        return self._finish(schema)

    def output_schema(self, method: ugm.Method) -> dict[str, Any]:
        """Structured results are `{"result": value}`: MCP revisions before 2026-07-28 require an
        object there, and a function may return any type."""
        self.defs = {}
        schema = {
            "type": "object",
            "properties": {"result": self.schema(method.returns)},
            "required": ["result"],
        }
        return self._finish(schema)

    def _finish(self, schema: dict[str, Any]) -> dict[str, Any]:
        if self.defs:
            schema["$defs"] = dict(sorted(self.defs.items()))
        return schema

    def schema(self, t: ugm.TypeRef) -> dict[str, Any]:
        if isinstance(t, ugm.Primitive):
            return dict(_PRIMITIVE_SCHEMAS[t.name])
        if isinstance(t, ugm.Optional):
            return {"anyOf": [self.schema(t.inner), {"type": "null"}]}
        if isinstance(t, ugm.ListOf):
            return {"type": "array", "items": self.schema(t.item)}
        if isinstance(t, ugm.MapOf):
            schema: dict[str, Any] = {
                "type": "object",
                "additionalProperties": self.schema(t.value),
            }
            if t.key == ugm.Primitive("int"):
                schema["propertyNames"] = {"pattern": "^-?[0-9]+$"}
            return schema
        if isinstance(t, ugm.UnionOf):
            return {"anyOf": [self._tagged(m) for m in t.members]}
        if isinstance(t, ugm.LiteralOf):
            return {"enum": [v.value for v in t.values]}
        if isinstance(t, ugm.TupleOf):
            n = len(t.items)
            items = [self.schema(i) for i in t.items]
            return {"type": "array", "prefixItems": items, "minItems": n, "maxItems": n}
        if isinstance(t, ugm.StreamOf):
            raise ValueError("a stream has no JSON Schema: streaming members are not tools")
        self._define(t.name)
        return {"$ref": f"#/$defs/{t.name}"}

    def _tagged(self, member: ugm.TypeRef) -> dict[str, Any]:
        tag = ugm.type_text(member)
        return {
            "type": "array",
            "prefixItems": [{"const": tag}, self.schema(member)],
            "minItems": 2,
            "maxItems": 2,
            "description": f'a {tag}, written ["{tag}", value]',
        }

    def _define(self, name: str) -> None:
        if name in self.defs:
            return
        decl = self.decls[name]
        self.defs[name] = {}  # placeholder first: a recursive record refers to itself
        if isinstance(decl, ugm.Enum):
            values = [m.value for m in decl.members]
            names = ", ".join(f"{m.name}={m.value!r}" for m in decl.members)
            doc = f"{decl.doc}\n\n" if decl.doc else ""
            self.defs[name] = {"enum": values, "title": name, "description": f"{doc}{names}"}
            return
        assert isinstance(decl, ugm.Record | ugm.Error), name
        fields = _all_fields(decl, self.decls)
        properties = {}
        for f in fields:
            prop = self._with_default(self.schema(f.type), f.default)
            if f.doc:
                prop["description"] = f.doc
            properties[f.name] = prop
        definition: dict[str, Any] = {
            "type": "object",
            "title": name,
            "properties": properties,
            "required": [f.name for f in fields if f.default is None],
            "additionalProperties": False,
        }
        if decl.doc:
            definition["description"] = decl.doc
        self.defs[name] = definition

    def _with_default(self, schema: dict[str, Any], default: ugm.Value | None) -> dict[str, Any]:
        if default is not None:
            schema["default"] = literal_json(default, self.decls)
        return schema


def _all_fields(decl: ugm.Record | ugm.Error, decls: Mapping[str, ugm.Decl]) -> list[ugm.Field]:
    """An error's fields, inherited ones first (they travel together)."""
    fields = list(decl.fields)
    if isinstance(decl, ugm.Error) and decl.base is not None:
        base = decls.get(decl.base)
        if isinstance(base, ugm.Error):
            fields = _all_fields(base, decls) + fields
    return fields


def literal_json(value: ugm.Value, decls: Mapping[str, ugm.Decl]) -> Any:
    """A default value as JSON (the form a tool call would send it in)."""
    if isinstance(value, ugm.NoneLit):
        return None
    if isinstance(value, ugm.BytesLit):
        return base64.b64encode(value.value).decode("ascii")
    if isinstance(value, ugm.ListLit):
        return [literal_json(v, decls) for v in value.items]
    if isinstance(value, ugm.MapLit):
        return {str(literal_json(k, decls)): literal_json(v, decls) for k, v in value.items}
    if isinstance(value, ugm.EnumLit):
        enum = decls.get(value.enum)
        if isinstance(enum, ugm.Enum):
            return next((m.value for m in enum.members if m.name == value.member), value.member)
        return value.member
    return value.value


# ------------------------------------------------------------------------------ values


class JsonValues:
    """JSON to wire values and back, for one module. Only bytes and int map keys change; the
    value codec checks everything else when the call is bound."""

    def __init__(self, module: ugm.Module) -> None:
        self.decls = {d.name: d for d in module.decls}

    def to_wire(self, t: ugm.TypeRef, value: Any) -> Any:
        """Raises InvalidValue (with its path) for bad base64 or a non-numeric int key."""
        if value is None:
            return None
        if isinstance(t, ugm.Primitive) and t.name == "bytes":
            if not isinstance(value, str):
                return value  # the codec names the wrong type
            try:
                return base64.b64decode(value, validate=True)
            except (binascii.Error, ValueError):
                raise InvalidValue("expected base64 text") from None
        return self._walk(t, value, self.to_wire, to_json=False)

    def to_json(self, t: ugm.TypeRef, value: Any) -> Any:
        if isinstance(value, bytes | bytearray | memoryview):
            return base64.b64encode(bytes(value)).decode("ascii")
        return self._walk(t, value, self.to_json, to_json=True)

    def _walk(self, t: ugm.TypeRef, value: Any, again: Any, *, to_json: bool) -> Any:
        if isinstance(t, ugm.Optional):
            return again(t.inner, value)
        if isinstance(t, ugm.ListOf) and isinstance(value, list | tuple):
            return [_at(i, again, t.item, v) for i, v in enumerate(value)]
        if isinstance(t, ugm.TupleOf) and isinstance(value, list | tuple):
            if len(value) != len(t.items):
                return value  # the codec names the wrong length
            return [
                _at(i, again, it, v) for i, (it, v) in enumerate(zip(t.items, value, strict=True))
            ]
        if isinstance(t, ugm.MapOf) and isinstance(value, Mapping):
            return {
                self._key(t.key, k, to_json): _at(k, again, t.value, v) for k, v in value.items()
            }
        if isinstance(t, ugm.UnionOf) and isinstance(value, list | tuple) and len(value) == 2:
            member = next((m for m in t.members if ugm.type_text(m) == value[0]), None)
            return [value[0], value[1] if member is None else _at(1, again, member, value[1])]
        if isinstance(t, ugm.Named) and isinstance(value, Mapping):
            decl = self.decls.get(t.name)
            if isinstance(decl, ugm.Record | ugm.Error):
                types = {f.name: f.type for f in _all_fields(decl, self.decls)}
                return {
                    k: _at(k, again, types[k], v) if k in types else v for k, v in value.items()
                }
        return value

    @staticmethod
    def _key(t: ugm.TypeRef, key: Any, to_json: bool) -> Any:
        if t != ugm.Primitive("int"):
            return key
        if to_json:
            return str(key)
        try:
            return int(key)
        except (TypeError, ValueError):
            raise InvalidValue(f"expected an integer key, got {key!r}") from None


def _at(segment: Any, convert: Any, t: ugm.TypeRef, value: Any) -> Any:
    """`convert(t, value)`, adding `segment` to the path of an InvalidValue."""
    try:
        return convert(t, value)
    except InvalidValue as e:
        raise e.within(segment if isinstance(segment, str) else f"[{segment}]") from None
