"""The typed model the Go templates render: every Go name, type and conversion is decided
here, so templates only lay text out."""

from __future__ import annotations

from dataclasses import dataclass

from graftc.targets.common import model as common

Doc = tuple[str, ...]  # the lines of a `//` comment, without the slashes

GoEnumMember = common.EnumMember[Doc]


@dataclass(frozen=True)
class Conversion:
    """One Go type and the pair of package functions converting it to and from wire values:
    `to` takes the Go value and gives a wire value, `from_` takes a wire value and gives the Go
    value or an error. `body_to`/`body_from` are the functions' bodies (empty: a runtime-free
    helper in wire.go already has that name)."""

    key: str  # e.g. ListProduct
    go: str  # e.g. []Product
    body_to: str
    body_from: str

    @property
    def to(self) -> str:
        return f"toWire{self.key}"

    @property
    def from_(self) -> str:
        return f"fromWire{self.key}"


@dataclass(frozen=True)
class GoEnum:
    name: str
    base: str  # int64 or string
    members: tuple[GoEnumMember, ...]  # name: the constant; value: its Go literal
    wire_names: tuple[str, ...]  # the IDL member names, for String()
    doc: Doc


@dataclass(frozen=True)
class GoField:
    name: str  # exported Go field
    wire: str
    type: str
    conv: str  # the Conversion key
    doc: Doc
    default: str | None = None  # the Go expression of its IDL default
    param: str = ""  # its parameter name in the record's constructor


@dataclass(frozen=True)
class GoRecord:
    name: str
    fields: tuple[GoField, ...]
    doc: Doc
    constructor: str = ""  # `NewProduct`, for a record with defaults ("" otherwise)


@dataclass(frozen=True)
class GoError:
    """A declared error: a struct embedding its base (if any), with `Error`, `Unwrap` (the
    runtime's `*graft.Error`, with the status code) and `As` to each base."""

    name: str
    base: str | None
    bases: tuple[tuple[str, str], ...]  # (base type, selector from this error) nearest first
    fields: tuple[GoField, ...]  # its own fields
    all_fields: tuple[tuple[str, GoField], ...]  # (selector prefix, field) including the bases'
    root: str  # the selector of the root error's struct ("" for the root itself)
    doc: Doc


@dataclass(frozen=True)
class GoParam:
    name: str  # Go parameter name, or the options field name
    wire: str
    type: str
    conv: str
    kind: str  # positional | either | keyword
    default: str | None  # Go expression of the default, for positional-only parameters
    deref: bool = False  # an options field behind a pointer only to mean "not given"
    stream: bool = False  # a stream<T> parameter: sent as the call's Input, nil in its place


@dataclass(frozen=True)
class GoMethod:
    """A service function, a class's constructor, static or instance method, or a property
    accessor. `required` are Go parameters after `ctx`; `optional` are the options struct's
    fields (pointers: nil sends nothing and the gateway applies the IDL default)."""

    name: str
    receiver: str  # "c *Client" or "x *Cart"
    op: str  # OpCall | OpNew | OpGet | OpSet
    target: str
    member: str
    instance: bool  # an instance member: the call carries x's reference
    required: tuple[GoParam, ...]
    optional: tuple[GoParam, ...]
    options: str  # the options struct's name ("" when there are no optional parameters)
    option_docs: tuple[Doc, ...]  # one doc per optional field
    returns: str | None  # the Go result type (None: only an error)
    returns_conv: str
    returns_class: str | None  # the handle type when the result is an instance
    doc: Doc
    stream_item: str = ""  # returns stream<T>: T's Go type (returns is *graft.Stream[T])

    @property
    def channel(self) -> str:
        return "x.ch" if self.receiver.startswith("x ") else "c.ch"


@dataclass(frozen=True)
class GoClass:
    name: str
    wire: str
    methods: tuple[GoMethod, ...]  # instance methods and property accessors
    doc: Doc


@dataclass(frozen=True)
class GoUnionMember:
    """One member of a union: the Go type that stands for it, declared as `type <name>
    <underlying>` ("" underlying: a tuple's own struct, declared with the tuples), how a
    value `x` of it gives the member's value (`unwrap`) and back (`wrap`, a format of one `{}`),
    its wire tag (`ugm.type_text`) and its conversion key."""

    name: str
    underlying: str
    unwrap: str
    wrap: str
    tag: str
    conv: str


@dataclass(frozen=True)
class GoUnion:
    """A sealed interface (`is<Name>()` marks its members)."""

    name: str
    members: tuple[GoUnionMember, ...]
    doc: Doc


@dataclass(frozen=True)
class GoLiteralSet:
    name: str
    base: str  # int64 or string
    consts: tuple[tuple[str, str], ...]  # (constant, its Go literal)
    text: str  # the set as the IDL writes it
    doc: Doc


@dataclass(frozen=True)
class GoTuple:
    name: str
    fields: tuple[tuple[str, str, str], ...]  # (field, Go type, conversion key)
    doc: Doc


@dataclass(frozen=True)
class GoModule:
    module: str
    version: str  # the module version, as the IDL has it
    go_version: str  # v-prefixed, what the gateway serves
    path: str  # the Go module path
    package: str
    schema_hash: str
    env_prefix: str
    default_url: str | None
    runtime_version: str
    doc: Doc
    enums: tuple[GoEnum, ...]
    records: tuple[GoRecord, ...]
    errors: tuple[GoError, ...]
    client_methods: tuple[GoMethod, ...]  # service functions, constructors, statics
    classes: tuple[GoClass, ...]
    conversions: tuple[Conversion, ...]
    imports: tuple[str, ...]  # standard library packages types.go needs (e.g. time)
    unions: tuple[GoUnion, ...] = ()
    literal_sets: tuple[GoLiteralSet, ...] = ()
    tuples: tuple[GoTuple, ...] = ()

    @property
    def all_methods(self) -> tuple[GoMethod, ...]:
        return self.client_methods + tuple(m for c in self.classes for m in c.methods)
