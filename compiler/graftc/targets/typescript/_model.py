"""The typed intermediate model the templates render: every TypeScript name, type and
descriptor is decided here, so templates only lay text out."""

from __future__ import annotations

from dataclasses import dataclass, field


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


@dataclass(frozen=True)
class TsEnumMember:
    name: str
    value: str  # a TS literal
    doc: Doc


@dataclass(frozen=True)
class TsEnum:
    name: str
    members: tuple[TsEnumMember, ...]
    doc: Doc
    desc: str


@dataclass(frozen=True)
class TsField:
    name: str  # TS property name
    wire: str
    type: str  # the type when read (complete values)
    init_type: str  # the type when given by the caller
    optional_in_init: bool
    desc: str  # the runtime type descriptor expression
    default: str | None  # TS expression making the default, or None
    doc: Doc


@dataclass(frozen=True)
class TsRecord:
    name: str
    init_name: str
    fields: tuple[TsField, ...]
    doc: Doc


@dataclass(frozen=True)
class TsError:
    name: str
    base: str  # the TS class it extends
    is_root: bool  # extends RemoteError directly
    fields: tuple[TsField, ...]
    doc: Doc


@dataclass(frozen=True)
class TsParam:
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
    returns: str  # the TS type inside Promise<>
    returns_desc: str
    doc: Doc

    @property
    def params(self) -> tuple[TsParam, ...]:
        return self.positional + self.keywords


@dataclass(frozen=True)
class TsService:
    name: str  # TS class name, e.g. ShopService
    wire: str
    accessor: str  # property on the module client, e.g. `shop`
    methods: tuple[TsMethod, ...]
    doc: Doc


@dataclass(frozen=True)
class TsClass:
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
