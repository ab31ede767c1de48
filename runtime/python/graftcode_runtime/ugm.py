"""The Unified Graft Model (UGM): a typed, immutable description of a module's callable surface.

Everything in graftcode speaks the UGM: the exporter builds it from Python code, the IDL parser
builds it from `.graft` text, the printer and the code generators read it, the checker compares
two of them, and the gateway validates every call against it.

It lives in the runtime distribution (not the compiler) because the gateway and the in-memory
transport need it at run time, and callers must not pull in lark or black.

Design rules:
- Frozen dataclasses with tuples only, so models are hashable and comparable.
- Source positions (`span`) never take part in equality, so `parse(print(m)) == m` holds.
- Declarations keep their source order; the printer never reorders (like `buf format`).
- JSON form: `to_json` / `from_json`, tagged with `SCHEMA_VERSION`; `schema_hash` covers only what
  affects the wire (no docs, no positions, no annotations).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypeAlias, get_args

if TYPE_CHECKING:
    from graftcode_runtime._ugm_json import dumps as dumps
    from graftcode_runtime._ugm_json import from_json as from_json
    from graftcode_runtime._ugm_json import loads as loads
    from graftcode_runtime._ugm_json import schema_hash as schema_hash
    from graftcode_runtime._ugm_json import to_json as to_json

SCHEMA_VERSION = "graftcode.ugm/1"


# --------------------------------------------------------------------------------------------
# Source positions
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """Where a node came from: 1-based line and column, end exclusive. `file` may be empty."""

    line: int
    column: int
    end_line: int
    end_column: int
    file: str = ""


def _span() -> Any:
    return field(default=None, compare=False, repr=False, hash=False)


# --------------------------------------------------------------------------------------------
# Types
# --------------------------------------------------------------------------------------------

PrimitiveName = Literal[
    "bool",
    "int",
    "float",
    "str",
    "bytes",
    "none",
    "date",
    "datetime",
    "time",
    "decimal",
    "uuid",
    "duration",
]
PRIMITIVES: tuple[str, ...] = get_args(PrimitiveName)
MAP_KEY_PRIMITIVES: tuple[str, ...] = ("str", "int")


@dataclass(frozen=True)
class Primitive:
    name: PrimitiveName
    span: Span | None = _span()


@dataclass(frozen=True)
class Optional:
    """`T?`: the value may be none. Never nested (`T??` is not a type)."""

    inner: TypeRef
    span: Span | None = _span()


@dataclass(frozen=True)
class ListOf:
    item: TypeRef
    span: Span | None = _span()


@dataclass(frozen=True)
class MapOf:
    """`map<K, V>`; K is `str` or `int`."""

    key: TypeRef
    value: TypeRef
    span: Span | None = _span()


@dataclass(frozen=True)
class Named:
    """A reference to a record, enum, error or class declared in the same module."""

    name: str
    span: Span | None = _span()


@dataclass(frozen=True)
class UnionOf:
    """`A | B | C`: a value of exactly one member type, sent tagged with that member's
    `type_text` (docs/protocol.md section 6.3.1). At least two members, none of them a union, an
    optional, `none` or a literal set; a union that may be none is `Optional(UnionOf(...))`."""

    members: tuple[TypeRef, ...]
    span: Span | None = _span()


LiteralValue: TypeAlias = "IntLit | StrLit"


@dataclass(frozen=True)
class LiteralOf:
    """`"a" | "b"` or `1 | 2`: one of a fixed set of int or str values (Python's `Literal[...]`),
    sent as the value itself. Values are distinct and of one kind."""

    values: tuple[LiteralValue, ...]
    span: Span | None = _span()


@dataclass(frozen=True)
class TupleOf:
    """`tuple<A, B>`: a fixed number of positional values, sent as an array of that length."""

    items: tuple[TypeRef, ...]
    span: Span | None = _span()


@dataclass(frozen=True)
class StreamOf:
    """`stream<T>`: a sequence of T values sent one message at a time (docs/protocol.md 5.5).
    Only a method's return type (server streaming) or one parameter's type (client streaming)
    is a stream, never a part of another type; the IDL checker enforces it."""

    item: TypeRef
    span: Span | None = _span()


TypeRef: TypeAlias = (
    Primitive | Optional | ListOf | MapOf | Named | UnionOf | LiteralOf | TupleOf | StreamOf
)


# --------------------------------------------------------------------------------------------
# Literal values (defaults and annotation arguments)
# --------------------------------------------------------------------------------------------
# Separate classes per kind, because in Python True == 1 == 1.0 and a model must not confuse them.


@dataclass(frozen=True)
class NoneLit:
    span: Span | None = _span()


@dataclass(frozen=True)
class BoolLit:
    value: bool
    span: Span | None = _span()


@dataclass(frozen=True)
class IntLit:
    value: int
    span: Span | None = _span()


@dataclass(frozen=True)
class FloatLit:
    """Finite floats only (the IDL has no NaN or infinity literal)."""

    value: float
    span: Span | None = _span()


@dataclass(frozen=True)
class StrLit:
    value: str
    span: Span | None = _span()


@dataclass(frozen=True)
class BytesLit:
    value: bytes
    span: Span | None = _span()


@dataclass(frozen=True)
class ListLit:
    items: tuple[Value, ...]
    span: Span | None = _span()


@dataclass(frozen=True)
class MapLit:
    items: tuple[tuple[Value, Value], ...]
    span: Span | None = _span()


@dataclass(frozen=True)
class EnumLit:
    """`Color.RED`: a member of an enum declared in the module."""

    enum: str
    member: str
    span: Span | None = _span()


Value: TypeAlias = (
    NoneLit | BoolLit | IntLit | FloatLit | StrLit | BytesLit | ListLit | MapLit | EnumLit
)


# --------------------------------------------------------------------------------------------
# Declarations
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Annotation:
    """`@deprecated("reason")`, `@since("1.2.0")`. Known names are checked by the IDL checker."""

    name: str
    args: tuple[Value, ...] = ()
    span: Span | None = _span()


ParamKind = Literal["positional", "either", "keyword"]
"""Python's POSITIONAL_ONLY, POSITIONAL_OR_KEYWORD and KEYWORD_ONLY."""


@dataclass(frozen=True)
class Param:
    name: str
    type: TypeRef
    default: Value | None = None
    kind: ParamKind = "either"
    span: Span | None = _span()


@dataclass(frozen=True)
class Field:
    """A record or error field. A field without a default is required."""

    name: str
    type: TypeRef
    default: Value | None = None
    doc: str | None = None
    annotations: tuple[Annotation, ...] = ()
    span: Span | None = _span()


@dataclass(frozen=True)
class Record:
    name: str
    fields: tuple[Field, ...] = ()
    doc: str | None = None
    annotations: tuple[Annotation, ...] = ()
    span: Span | None = _span()


@dataclass(frozen=True)
class EnumMember:
    name: str
    value: int | str
    doc: str | None = None
    annotations: tuple[Annotation, ...] = ()
    span: Span | None = _span()


@dataclass(frozen=True)
class Enum:
    name: str
    members: tuple[EnumMember, ...] = ()
    doc: str | None = None
    annotations: tuple[Annotation, ...] = ()
    span: Span | None = _span()


@dataclass(frozen=True)
class Error:
    """An application error type; `base` names another error of the module (exception hierarchy)."""

    name: str
    fields: tuple[Field, ...] = ()
    base: str | None = None
    doc: str | None = None
    annotations: tuple[Annotation, ...] = ()
    span: Span | None = _span()


@dataclass(frozen=True)
class Method:
    """A function of a service, or a static or instance method of a class."""

    name: str
    params: tuple[Param, ...] = ()
    returns: TypeRef = Primitive("none")
    raises: tuple[str, ...] = ()
    static: bool = False
    doc: str | None = None
    annotations: tuple[Annotation, ...] = ()
    span: Span | None = _span()


@dataclass(frozen=True)
class Constructor:
    params: tuple[Param, ...] = ()
    raises: tuple[str, ...] = ()
    doc: str | None = None
    annotations: tuple[Annotation, ...] = ()
    span: Span | None = _span()


@dataclass(frozen=True)
class Property:
    name: str
    type: TypeRef
    readonly: bool = True
    doc: str | None = None
    annotations: tuple[Annotation, ...] = ()
    span: Span | None = _span()


@dataclass(frozen=True)
class Service:
    """A group of stateless functions (a Python module's top-level functions). All are static."""

    name: str
    methods: tuple[Method, ...] = ()
    doc: str | None = None
    annotations: tuple[Annotation, ...] = ()
    span: Span | None = _span()


@dataclass(frozen=True)
class Class:
    """A class callers can instantiate remotely. `constructor` None: callers cannot create one
    (instances only come back from other calls). Methods with `static=True` need no instance."""

    name: str
    constructor: Constructor | None = None
    methods: tuple[Method, ...] = ()
    properties: tuple[Property, ...] = ()
    doc: str | None = None
    annotations: tuple[Annotation, ...] = ()
    span: Span | None = _span()


Decl: TypeAlias = Record | Enum | Error | Service | Class


@dataclass(frozen=True)
class Module:
    """One module's surface. `decls` keep source order; names are unique across all kinds."""

    name: str
    version: str
    decls: tuple[Decl, ...] = ()
    doc: str | None = None
    annotations: tuple[Annotation, ...] = ()
    span: Span | None = _span()

    # Convenience views; cheap enough that caching is not worth the complexity.
    @property
    def records(self) -> tuple[Record, ...]:
        return tuple(d for d in self.decls if isinstance(d, Record))

    @property
    def enums(self) -> tuple[Enum, ...]:
        return tuple(d for d in self.decls if isinstance(d, Enum))

    @property
    def errors(self) -> tuple[Error, ...]:
        return tuple(d for d in self.decls if isinstance(d, Error))

    @property
    def services(self) -> tuple[Service, ...]:
        return tuple(d for d in self.decls if isinstance(d, Service))

    @property
    def classes(self) -> tuple[Class, ...]:
        return tuple(d for d in self.decls if isinstance(d, Class))

    def find(self, name: str) -> Decl | None:
        for d in self.decls:
            if d.name == name:
                return d
        return None


def annotation(node: Any, name: str) -> Annotation | None:
    """The first annotation called `name` on a declaration or member, if any."""
    for a in getattr(node, "annotations", ()):
        if isinstance(a, Annotation) and a.name == name:
            return a
    return None


def deprecation(node: Any) -> str | None:
    """The deprecation reason ("" when none given) or None when not deprecated."""
    a = annotation(node, "deprecated")
    if a is None:
        return None
    if a.args and isinstance(a.args[0], StrLit):
        return a.args[0].value
    return ""


def walk_types(t: TypeRef) -> Iterator[TypeRef]:
    """`t` and every type nested in it, outermost first."""
    yield t
    if isinstance(t, Optional):
        yield from walk_types(t.inner)
    elif isinstance(t, ListOf | StreamOf):
        yield from walk_types(t.item)
    elif isinstance(t, MapOf):
        yield from walk_types(t.key)
        yield from walk_types(t.value)
    elif isinstance(t, UnionOf):
        for m in t.members:
            yield from walk_types(m)
    elif isinstance(t, TupleOf):
        for x in t.items:
            yield from walk_types(x)


_STR_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def quote_str(value: str) -> str:
    """A str as an IDL string literal (the one spelling the parser reads back)."""
    out = ['"']
    for ch in value:
        esc = _STR_ESCAPES.get(ch)
        if esc is not None:
            out.append(esc)
        elif ch.isprintable():
            out.append(ch)
        elif ord(ch) <= 0xFFFF:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    out.append('"')
    return "".join(out)


def type_text(t: TypeRef) -> str:
    """The canonical IDL spelling of a type, as `graftc fmt` prints it. It is also a union
    member's tag on the wire, so it must never change for an existing type."""
    if isinstance(t, Primitive | Named):
        return t.name
    if isinstance(t, Optional):
        if isinstance(t.inner, UnionOf | LiteralOf):
            return f"{type_text(t.inner)} | none"
        return type_text(t.inner) + "?"
    if isinstance(t, ListOf):
        return f"list<{type_text(t.item)}>"
    if isinstance(t, StreamOf):
        return f"stream<{type_text(t.item)}>"
    if isinstance(t, MapOf):
        return f"map<{type_text(t.key)}, {type_text(t.value)}>"
    if isinstance(t, UnionOf):
        return " | ".join(type_text(m) for m in t.members)
    if isinstance(t, LiteralOf):
        return " | ".join(
            quote_str(v.value) if isinstance(v, StrLit) else str(v.value) for v in t.values
        )
    return "tuple<" + ", ".join(type_text(x) for x in t.items) + ">"


# The JSON form lives in `_ugm_json`, which needs every node class above: loaded on first use.
_JSON_NAMES = frozenset({"dumps", "loads", "to_json", "from_json", "schema_hash"})


def __getattr__(name: str) -> Any:
    if name in _JSON_NAMES:
        from graftcode_runtime import _ugm_json

        return getattr(_ugm_json, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
