"""The typed intermediate model the templates render: every TypeScript name, type and
descriptor is decided here, so templates only lay text out."""

from __future__ import annotations

from dataclasses import dataclass, field

from graftc.targets.common import model as common


def comment_safe(text: str) -> str:
    """`text` that cannot end the `/** ... */` it is written in."""
    return text.replace("*/", "*\u2215")


@dataclass(frozen=True)
class Doc:
    """A TSDoc block's parts; `lines` is the summary and body, already safe inside a comment."""

    lines: tuple[str, ...] = ()
    params: tuple[tuple[str, str], ...] = ()
    returns: str | None = None
    throws: tuple[str, ...] = ()
    deprecated: str | None = None
    since: str | None = None

    @property
    def empty(self) -> bool:
        return not (self.lines or self.params or self.returns or self.throws or self.since) and (
            self.deprecated is None
        )


TsEnumMember = common.EnumMember[Doc]


@dataclass(frozen=True)
class TsEnum:
    """An `as const` object of the members, a union type of their values, a descriptor."""

    name: str
    members: tuple[TsEnumMember, ...]
    doc: Doc
    desc: str


@dataclass(frozen=True)
class TsField:
    """A record or error field: the property, its types and its wire descriptor."""

    name: str  # TS property name
    wire: str
    type: str  # the type when read (complete values)
    init_type: str  # the type when given by the caller
    desc: str  # the runtime type descriptor expression
    default: str | None  # TS expression making the default, or None
    optional_in_init: bool  # a default, or a nullable type: callers may leave it out
    doc: Doc


@dataclass(frozen=True)
class TsRecord:
    """An interface for values read, and an `Init` twin for values callers give."""

    name: str
    fields: tuple[TsField, ...]
    doc: Doc

    @property
    def init_name(self) -> str:
        return f"{self.name}Init"


@dataclass(frozen=True)
class TsError:
    """A `RemoteError` subclass (or a subclass of its base error) with the fields."""

    name: str
    base: str  # the TS class it extends
    is_root: bool  # extends RemoteError directly
    fields: tuple[TsField, ...]
    doc: Doc


@dataclass(frozen=True)
class TsParam:
    """A parameter: positional, or a member of the method's options object."""

    name: str  # TS binding name
    wire: str
    kind: str  # positional | either | keyword
    type: str
    optional: bool  # has a default (may be left out)
    desc: str


@dataclass(frozen=True)
class TsMethod:
    """A service function, a static or instance method, a constructor or a property accessor."""

    name: str  # TS method name
    spec_name: str  # key in the owner's spec table
    kind: str  # call | new | get | set
    wire_target: str
    wire_member: str
    positional: tuple[TsParam, ...]  # TS positional arguments, in order
    keywords: tuple[TsParam, ...]  # members of the options object
    options_type: str  # `CallOptions` or the generated options interface
    options_required: bool
    returns: str  # the TS type inside Promise<> (a stream's: its item type)
    returns_desc: str
    doc: Doc
    idempotent: bool = False  # marked @idempotent: the client may retry it after UNAVAILABLE
    streams: bool = False  # returns `stream<T>`: a `RemoteStream<T>` instead of a Promise

    @property
    def params(self) -> tuple[TsParam, ...]:
        return self.positional + self.keywords


@dataclass(frozen=True)
class TsService:
    """A service's functions, as the class behind `client.<accessor>`."""

    name: str  # TS class name, e.g. ShopService
    wire: str
    accessor: str  # property on the module client, e.g. `shop`
    methods: tuple[TsMethod, ...]
    doc: Doc


@dataclass(frozen=True)
class TsClass:
    """A proxy class for instances, and a factory class for its constructor and statics."""

    name: str  # the proxy class
    factory: str  # the class holding its constructor and static methods, e.g. CartClass
    wire: str
    accessor: str  # property on the module client, e.g. `Cart`
    constructor: TsMethod | None
    statics: tuple[TsMethod, ...]
    methods: tuple[TsMethod, ...]  # instance methods and property accessors
    doc: Doc


@dataclass(frozen=True)
class TsModule:
    """The whole package: what `index.ts`, `package.json` and the README are made of."""

    module: str
    version: str
    package: str
    schema_hash: str
    env_prefix: str
    default_url: str | None
    runtime_version: str
    doc: Doc
    enums: tuple[TsEnum, ...] = ()
    records: tuple[TsRecord, ...] = ()
    errors: tuple[TsError, ...] = ()
    services: tuple[TsService, ...] = ()
    classes: tuple[TsClass, ...] = ()
    client_name: str = "Client"
    option_types: tuple[TsMethod, ...] = field(default=())  # methods needing an options interface

    @property
    def uses_streams(self) -> bool:
        """Some member returns a stream (the package imports `RemoteStream`)."""
        members = [m for s in self.services for m in s.methods]
        members += [m for c in self.classes for m in c.statics + c.methods]
        return any(m.streams for m in members)
