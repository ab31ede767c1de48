"""Python types to UGM types. The full table, with reasons for each refusal, is
docs/type-mapping.md; every refusal here says what the type is, why, and what to use instead."""

from __future__ import annotations

import collections.abc as cabc
import datetime
import decimal
import enum
import types
import typing
import uuid
from collections.abc import Callable
from typing import Any

import typing_extensions

from .. import ugm


class TypeProblem(Exception):
    """A type the IDL cannot describe; the message is ready for the user."""


NamedResolver = Callable[[type], str]
"""Gives the UGM declaration name for a class (registering it for export) or raises TypeProblem."""

PRIMITIVES: dict[object, ugm.PrimitiveName] = {
    bool: "bool",
    int: "int",
    float: "float",
    str: "str",
    bytes: "bytes",
    type(None): "none",
    None: "none",
    datetime.datetime: "datetime",
    datetime.date: "date",
    datetime.time: "time",
    decimal.Decimal: "decimal",
    uuid.UUID: "uuid",
    datetime.timedelta: "duration",
}

_LISTS: set[object] = {list, cabc.Sequence, cabc.MutableSequence}
_MAPS: set[object] = {dict, cabc.Mapping, cabc.MutableMapping}
_SETS: set[object] = {set, frozenset, cabc.Set, cabc.MutableSet}
_STREAMS: set[object] = {
    cabc.Iterator,
    cabc.Iterable,
    cabc.Generator,
    cabc.AsyncIterator,
    cabc.AsyncIterable,
    cabc.AsyncGenerator,
    cabc.Collection,
}
_INPUT_ITERABLES: set[object] = {cabc.Iterable, cabc.Collection}
_INPUT_PROTOCOLS: dict[object, ugm.PrimitiveName] = {
    typing.SupportsInt: "int",
    typing.SupportsIndex: "int",
    typing.SupportsFloat: "float",
}
_AWAITABLES: set[object] = {cabc.Awaitable, cabc.Coroutine}
_CALLABLES: set[object] = {cabc.Callable}
_UNIONS: set[object] = {typing.Union, types.UnionType}
_WRAPPERS: set[object] = {
    typing.Annotated,
    typing.Final,
    typing.Required,
    typing.NotRequired,
    typing_extensions.ReadOnly,
}
_SELF: set[object] = {typing.Self, typing_extensions.Self}
_ANY: set[object] = {typing.Any, object, typing_extensions.Any}


def describe(tp: object) -> str:
    """A short, readable spelling of a type for messages: `list[int]`, `requests.Session`."""
    if tp is None or tp is type(None):
        return "None"
    if isinstance(tp, type) and not typing.get_args(tp):
        if tp.__module__ == "builtins":
            return tp.__qualname__
        return f"{tp.__module__}.{tp.__qualname__}"
    text = repr(tp)
    for prefix in ("typing_extensions.", "typing.", "collections.abc.", "datetime.", "decimal."):
        text = text.replace(prefix, "")
    return text.replace("NoneType", "None")


def map_type(
    tp: Any, *, owner: type | None, named: NamedResolver, accepts: bool = False
) -> ugm.TypeRef:
    """The UGM type for a resolved annotation. Raises TypeProblem.

    `accepts` is set for parameters, which only ever receive values: there an `Iterable[T]` or
    `Collection[T]` is sound as `list<T>` (a list is one), and `SupportsInt`/`SupportsIndex`/
    `SupportsFloat` as int/float. Return types and fields keep the strict reading.
    """
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)

    if origin in _WRAPPERS:
        return map_type(args[0], owner=owner, named=named, accepts=accepts)
    if isinstance(tp, typing.NewType) or hasattr(tp, "__supertype__"):
        return map_type(tp.__supertype__, owner=owner, named=named, accepts=accepts)
    if isinstance(tp, typing_extensions.TypeAliasType):
        return map_type(tp.__value__, owner=owner, named=named, accepts=accepts)
    if _hashable(tp) and tp in PRIMITIVES:
        return ugm.Primitive(PRIMITIVES[tp])
    if _hashable(tp) and tp in _ANY:
        raise TypeProblem(
            f"`{describe(tp)}` says nothing about the value, so no caller in another language "
            "can be typed from it; annotate the concrete type"
        )
    if _hashable(tp) and tp in _SELF:
        if owner is None:
            raise TypeProblem("`Self` is only meaningful inside a class")
        return ugm.Named(named(owner))
    if isinstance(tp, typing.TypeVar) and owner is not None and _bound_to(tp, owner):
        # `def parse(cls: type[T], ...) -> T` with `T = TypeVar("T", bound="Owner")` is `Self`.
        return ugm.Named(named(owner))
    if isinstance(tp, typing.TypeVar | typing.ParamSpec | typing.TypeVarTuple):
        raise TypeProblem(
            f"the type variable `{tp.__name__}` is generic; the IDL has no generics, so "
            "annotate the concrete type (or export one function per concrete type)"
        )
    if isinstance(tp, str | typing.ForwardRef):
        raise TypeProblem(f"the annotation `{tp}` was not resolved to a type")

    if origin in _UNIONS:
        return _union(tp, args, owner, named, accepts)
    if origin is typing.Literal:
        return _literal(tp, args)
    if origin is typing.ClassVar:
        raise TypeProblem("a `ClassVar` belongs to the class, not to a value that can be sent")
    if origin is tuple and not args and tp is not typing.Tuple:  # noqa: UP006 (`tuple[()]`)
        raise TypeProblem(f"the empty tuple `{describe(tp)}` carries nothing; return None")
    if isinstance(origin, type) and not args:
        # A bare alias (`typing.List`, `typing.Callable`) has an origin but no arguments.
        return _class(origin, owner, named, accepts)
    if origin in _LISTS:
        return ugm.ListOf(map_type(args[0], owner=owner, named=named, accepts=accepts))
    if origin is tuple:
        return _tuple(tp, args, owner, named, accepts)
    if origin in _MAPS:
        return _map(tp, args, owner, named, accepts)
    if origin in _SETS:
        # No set type: msgpack has none, and JavaScript's Set and Go's maps cannot hold records
        # by value. A set crosses as a list of its items (docs/type-mapping.md).
        return ugm.ListOf(map_type(args[0], owner=owner, named=named, accepts=accepts))
    if origin is cabc.Callable:
        raise TypeProblem(
            f"`{describe(tp)}`: functions cannot be sent to another process; export the "
            "function itself, or pass an enum or a name that selects it"
        )
    if accepts and origin in _INPUT_ITERABLES:
        return ugm.ListOf(map_type(args[0], owner=owner, named=named, accepts=accepts))
    if origin in _STREAMS:
        raise TypeProblem(
            f"`{describe(tp)}`: a stream is only a method's return type or one of its "
            "parameters, never part of another type; use `list[...]` here"
        )
    if origin in _AWAITABLES:
        raise TypeProblem(
            f"`{describe(tp)}`: write `async def f() -> T` instead of returning an awaitable"
        )
    if origin is type:
        raise TypeProblem(f"`{describe(tp)}`: classes themselves cannot be sent, only values")
    if origin is not None:
        raise TypeProblem(
            f"`{describe(tp)}` is a generic type the IDL cannot describe; use a list, a "
            "dict, an optional or one of the module's records"
        )

    if accepts and _hashable(tp) and tp in _INPUT_PROTOCOLS:
        return ugm.Primitive(_INPUT_PROTOCOLS[tp])
    if isinstance(tp, type):
        return _class(tp, owner, named, accepts)
    raise TypeProblem(f"`{describe(tp)}` is not a type")


_RESULT_STREAMS: set[object] = _STREAMS - {cabc.Collection}
_PARAM_STREAMS: set[object] = {cabc.Iterator, cabc.AsyncIterator}


def map_stream(
    tp: Any, *, owner: type | None, named: NamedResolver, param: bool = False
) -> ugm.StreamOf | None:
    """`stream<T>` for a return type (`Iterator[T]`, `Iterable[T]`, `Generator[T, None,
    None]` and their async twins) or a parameter type (`Iterator[T]`, `AsyncIterator[T]`; an
    `Iterable[T]` parameter stays `list<T>`); None for any other type. Raises TypeProblem."""
    origin = typing.get_origin(tp)
    if origin in _WRAPPERS:
        return map_stream(typing.get_args(tp)[0], owner=owner, named=named, param=param)
    if origin not in (_PARAM_STREAMS if param else _RESULT_STREAMS):
        return None
    args = typing.get_args(tp)
    if not args:
        raise TypeProblem(f"`{describe(tp)}`: say what it yields, e.g. `Iterator[int]`")
    if origin in (cabc.Generator, cabc.AsyncGenerator) and any(
        a not in (None, type(None)) for a in args[1:]
    ):
        raise TypeProblem(
            f"`{describe(tp)}`: a stream's caller sends nothing into the generator and gets "
            "no return value; annotate `Iterator[T]`"
        )
    item = map_type(args[0], owner=owner, named=named, accepts=param)
    if item == ugm.Primitive("none"):
        raise TypeProblem(f"`{describe(tp)}`: a stream of None carries nothing")
    return ugm.StreamOf(item)


def _bound_to(var: typing.TypeVar, owner: type) -> bool:
    bound = var.__bound__
    if isinstance(bound, typing.ForwardRef):
        return bound.__forward_arg__ in (owner.__name__, owner.__qualname__)
    return isinstance(bound, type) and issubclass(owner, bound) and bound is not object


def _hashable(tp: object) -> bool:
    try:
        hash(tp)
    except TypeError:
        return False
    return True


def _union(
    tp: Any, args: tuple[Any, ...], owner: type | None, named: NamedResolver, accepts: bool
) -> ugm.TypeRef:
    """`A | B | None` becomes `UnionOf(A, B)?`; `Literal` members join into one literal set."""
    nullable = False
    members: list[ugm.TypeRef] = []
    literals: list[ugm.LiteralValue] = []
    if bytes in args:
        # `str | bytes | bytearray`: the function takes bytes too, so the buffer types add
        # nothing a caller could send that bytes does not carry (the wire has one binary type).
        args = tuple(a for a in args if a not in (bytearray, memoryview))
    for a in args:
        m = map_type(a, owner=owner, named=named, accepts=accepts)
        if isinstance(m, ugm.Optional):
            nullable, m = True, m.inner
        if m == ugm.Primitive("none"):
            nullable = True
        elif isinstance(m, ugm.LiteralOf):
            literals.extend(v for v in m.values if v not in literals)
        elif isinstance(m, ugm.UnionOf):
            members.extend(x for x in m.members if x not in members)
        elif m not in members:
            members.append(m)
    if literals:
        if members:
            raise TypeProblem(
                f"the union `{describe(tp)}` mixes literal values with other types; literal sets "
                "travel as bare values and unions tagged, so use one or the other"
            )
        members.append(_literal_set(tp, literals))
    if not members:
        raise TypeProblem(f"`{describe(tp)}` can only be None")
    inner = members[0] if len(members) == 1 else ugm.UnionOf(tuple(members))
    return ugm.Optional(inner) if nullable else inner


def _literal(tp: Any, args: tuple[Any, ...]) -> ugm.TypeRef:
    values: list[ugm.LiteralValue] = []
    nullable = False
    for a in args:
        if a is None:
            nullable = True
        elif type(a) is str:
            if has_lone_surrogate(a):
                raise TypeProblem(
                    f"`{describe(tp)}` holds a lone UTF-16 surrogate, which UTF-8 (and so the "
                    "wire) cannot carry"
                )
            values.append(ugm.StrLit(a))
        elif type(a) is int:
            values.append(ugm.IntLit(a))
        else:
            raise TypeProblem(
                f"`{describe(tp)}`: only str and int literals cross a process boundary (not "
                f"{type(a).__name__}); use an `enum.Enum` instead"
            )
    if not values:
        raise TypeProblem(f"`{describe(tp)}` can only be None")
    inner = _literal_set(tp, values)
    return ugm.Optional(inner) if nullable else inner


def has_lone_surrogate(text: str) -> bool:
    return any(0xD800 <= ord(ch) <= 0xDFFF for ch in text)


def _literal_set(tp: Any, values: list[ugm.LiteralValue]) -> ugm.LiteralOf:
    if len({type(v) for v in values}) > 1:
        raise TypeProblem(
            f"`{describe(tp)}` mixes str and int literals; the IDL's literal sets hold one kind"
        )
    return ugm.LiteralOf(tuple(dict.fromkeys(values)))


def _tuple(
    tp: Any, args: tuple[Any, ...], owner: type | None, named: NamedResolver, accepts: bool
) -> ugm.TypeRef:
    if len(args) == 2 and args[1] is Ellipsis:
        return ugm.ListOf(map_type(args[0], owner=owner, named=named, accepts=accepts))
    return ugm.TupleOf(tuple(map_type(a, owner=owner, named=named, accepts=accepts) for a in args))


def _map(
    tp: Any, args: tuple[Any, ...], owner: type | None, named: NamedResolver, accepts: bool
) -> ugm.TypeRef:
    if not args:
        raise TypeProblem(
            f"`{describe(tp)}` needs key and value types, for example `dict[str, int]`"
        )
    key = map_type(args[0], owner=owner, named=named, accepts=accepts)
    if not (isinstance(key, ugm.Primitive) and key.name in ugm.MAP_KEY_PRIMITIVES):
        raise TypeProblem(
            f"`{describe(tp)}`: map keys must be `str` or `int` (other key types have no "
            "portable encoding); key the map by a str or int, or use a list of records"
        )
    return ugm.MapOf(key, map_type(args[1], owner=owner, named=named, accepts=accepts))


def _class(tp: type, owner: type | None, named: NamedResolver, accepts: bool) -> ugm.TypeRef:
    if tp in _LISTS or tp is tuple:
        raise TypeProblem(f"`{tp.__name__}` needs an item type, for example `{tp.__name__}[int]`")
    if tp in _MAPS:
        raise TypeProblem(f"`{tp.__name__}` needs key and value types, e.g. `dict[str, int]`")
    if tp in _SETS:
        raise TypeProblem(f"`{tp.__name__}` needs an item type, for example `{tp.__name__}[str]`")
    if tp in _CALLABLES:  # Callable[Any] is not a valid subscription, so say it here
        raise TypeProblem(
            f"`{describe(tp)}`: functions cannot be sent to another process; export the "
            "function itself, or pass an enum or a name that selects it"
        )
    if tp in _STREAMS or tp in _AWAITABLES:
        return map_type(tp[Any], owner=owner, named=named, accepts=accepts)  # type: ignore[index]
    if issubclass(tp, BaseException) and not issubclass(tp, Exception):
        raise TypeProblem(f"`{describe(tp)}` is not an application error")
    if issubclass(tp, BaseException):
        raise TypeProblem(
            f"`{describe(tp)}` is an exception: exceptions are raised, not passed or returned; "
            "document it in a `Raises:` section, or return a record"
        )
    if issubclass(tp, enum.Flag):
        raise TypeProblem(
            f"`{describe(tp)}` is a flag enum whose values combine; the IDL enum holds one "
            "member, so use `list[...]` of a plain enum"
        )
    return ugm.Named(named(tp))
