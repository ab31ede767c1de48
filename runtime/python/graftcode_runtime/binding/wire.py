"""Checked reads of wire values (what msgpack decoded) into typed Python values.

Generated clients call these on every result: a value of the wrong type from the gateway is a
`WireError` naming what was expected, never a silently wrong object.
"""

from __future__ import annotations

import datetime
import decimal
import enum
import uuid
from collections.abc import (
    AsyncIterable,
    AsyncIterator,
    Callable,
    ItemsView,
    Iterable,
    Iterator,
    Mapping,
)
from typing import Any, TypeVar

from ..protocol import ProtocolError

T = TypeVar("T")
E = TypeVar("E", bound=enum.Enum)


class WireError(ProtocolError):
    """A value from the gateway does not have the type the module declares."""


def _bad(expected: str, w: object) -> WireError:
    return WireError(f"expected {expected} from the gateway, got {type(w).__name__}")


def as_bool(w: object) -> bool:
    if isinstance(w, bool):
        return w
    raise _bad("bool", w)


def as_int(w: object) -> int:
    if isinstance(w, int) and not isinstance(w, bool):
        return w
    raise _bad("int", w)


def as_float(w: object) -> float:
    if isinstance(w, float):
        return w
    if isinstance(w, int) and not isinstance(w, bool):
        return float(w)
    raise _bad("float", w)


def as_str(w: object) -> str:
    if isinstance(w, str):
        return w
    raise _bad("str", w)


def as_bytes(w: object) -> bytes:
    if isinstance(w, bytes | bytearray | memoryview):
        return bytes(w)
    raise _bad("bytes", w)


def as_none(w: object) -> None:
    if w is not None:
        raise _bad("none", w)


def as_decimal(w: object) -> decimal.Decimal:
    try:
        return decimal.Decimal(as_str(w))
    except decimal.InvalidOperation:
        raise WireError(f"not a decimal: {w!r}") from None


def as_date(w: object) -> datetime.date:
    try:
        return datetime.date.fromisoformat(as_str(w))
    except ValueError:
        raise WireError(f"not an ISO date: {w!r}") from None


def as_datetime(w: object) -> datetime.datetime:
    try:
        return datetime.datetime.fromisoformat(as_str(w))
    except ValueError:
        raise WireError(f"not an ISO datetime: {w!r}") from None


def as_time(w: object) -> datetime.time:
    try:
        return datetime.time.fromisoformat(as_str(w))
    except ValueError:
        raise WireError(f"not an ISO time: {w!r}") from None


def as_uuid(w: object) -> uuid.UUID:
    try:
        return uuid.UUID(as_str(w))
    except ValueError:
        raise WireError(f"not a UUID: {w!r}") from None


def as_duration(w: object) -> datetime.timedelta:
    """A duration: an int of microseconds on the wire (docs/protocol.md section 6); any msgpack
    int fits a timedelta (999999999 days are 2**66 microseconds)."""
    return datetime.timedelta(microseconds=as_int(w))


def as_list(w: object) -> list[object]:
    if isinstance(w, list | tuple):
        return list(w)
    raise _bad("list", w)


def as_map(w: object) -> dict[object, object]:
    if isinstance(w, dict):
        return dict(w)
    raise _bad("map", w)


def as_record(w: object, name: str) -> dict[str, object]:
    if isinstance(w, dict) and all(isinstance(k, str) for k in w):
        return {str(k): v for k, v in w.items()}
    raise _bad(f"a {name} map", w)


# What generated code of this version calls: no copies, and the caller tests the exact type of
# primitives inline (`x if type(x) is int else wire.as_int(x)`), so a well-formed value costs
# no call at all. `as_list`, `as_map`, `as_record` and `field` stay for packages generated before.


def seq(w: object) -> list[object] | tuple[object, ...]:
    """An array to iterate over (not copied: the caller builds its own list from it)."""
    if type(w) is list or type(w) is tuple:
        return w
    raise _bad("list", w)


def pairs(w: object) -> ItemsView[object, object]:
    """A map's items to iterate over (not copied)."""
    if type(w) is dict:
        return w.items()
    raise _bad("map", w)


def record(w: object, name: str) -> dict[str, object]:
    """A record's map, read by key inside `try`; a missing key becomes `missing(...)`."""
    if type(w) is dict:
        return w
    raise _bad(f"a {name} map", w)


def missing(e: KeyError, where: str) -> WireError:
    return WireError(f"{where}: the gateway sent no {e.args[0]!r}")


def as_enum(cls: type[E], w: object) -> E:
    try:
        return cls(w)
    except ValueError:
        raise WireError(f"{w!r} is not a value of {cls.__name__}") from None


def field(m: Mapping[str, object], key: str, where: str) -> object:
    try:
        return m[key]
    except KeyError:
        raise WireError(f"{where}: the gateway sent no {key!r}") from None


def optional(w: object, read: Callable[[object], T]) -> T | None:
    return None if w is None else read(w)


def as_literal(w: object, allowed: tuple[object, ...]) -> object:
    """A member of a literal set (the generated client casts it to its `Literal[...]`)."""
    if type(w) in (str, int) and w in allowed:
        return w
    raise WireError(f"{w!r} is not one of {allowed!r}"[:200])


def read_tuple(w: object, n: int, read: Callable[[list[object]], T]) -> T:
    """A tuple of `n` items: `read` builds it from the checked array."""
    if isinstance(w, list | tuple) and len(w) == n:
        return read(list(w))
    raise _bad(f"an array of {n} items", w)


def as_union(w: object, readers: Mapping[str, Callable[[object], object]]) -> object:
    """A tagged union value `[member, value]`, read by its member's reader."""
    if isinstance(w, list | tuple) and len(w) == 2 and isinstance(w[0], str):
        read = readers.get(w[0])
        if read is not None:
            return read(w[1])
        raise WireError(f"{w[0][:60]!r} is not a member of the union")
    raise _bad("a tagged union value [member, value]", w)


UnionMember = tuple[str, tuple[type, ...], Callable[[Any], object]]
"""A union member as the generated client sees it: its tag, the Python classes whose values
belong to it, and how to encode such a value."""


def tag_union(v: object, members: tuple[UnionMember, ...]) -> list[object]:
    """`[tag, wire value]` for `v`: the member owning `type(v)` exactly, else the first whose
    classes `v` is an instance of (bool is never taken for an int)."""
    for tag, classes, encode in members:
        if type(v) in classes:
            return [tag, encode(v)]
    for tag, classes, encode in members:
        if isinstance(v, classes) and not (isinstance(v, bool) and bool not in classes):
            return [tag, encode(v)]
    raise TypeError(f"a {type(v).__name__} is not a member of the union")


def items(
    source: Iterable[T] | AsyncIterable[T], convert: Callable[[T], object]
) -> Iterator[object] | AsyncIterator[object]:
    """A stream parameter's items as wire values, lazily: the caller's iterable (or async
    iterable, for the trio client) mapped through `convert` as the runtime sends them."""
    if isinstance(source, AsyncIterable):
        return _amap(source, convert)
    return map(convert, source)


async def _amap(source: AsyncIterable[T], convert: Callable[[T], object]) -> AsyncIterator[object]:
    async for item in source:
        yield convert(item)
