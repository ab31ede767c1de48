"""The primitive converters (shared by every codec, no state), one per UGM primitive and
direction: `_PRIMITIVES_IN` decodes wire values, `_PRIMITIVES_OUT` encodes Python values (it is
more lenient: bytearray for bytes, date/datetime/time/Decimal/UUID objects or their strings).
A duration is an int of microseconds on the wire, `timedelta`'s own resolution, so it is exact."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Callable
from typing import Any

from ..protocol._errors import InvalidValue
from ._converter import Converter, InstanceHooks, _expected

_I64_MIN = -(1 << 63)
_I64_MAX = (1 << 63) - 1


def _bool(v: Any, _: InstanceHooks | None) -> bool:
    if type(v) is bool:
        return v
    raise _expected("bool", v)


def _int(v: Any, _: InstanceHooks | None) -> int:
    if type(v) is int:
        if _I64_MIN <= v <= _I64_MAX:
            return v
        raise InvalidValue(f"int {v} is out of the 64-bit signed range")
    if isinstance(v, int) and not isinstance(v, bool):  # IntEnum members and other subclasses
        return _int(int(v), None)
    raise _expected("int", v)


def _float(v: Any, _: InstanceHooks | None) -> float:
    t = type(v)
    if t is float:
        return v  # type: ignore[no-any-return]
    # An int is a float on the wire too: JavaScript cannot tell 1.0 from 1.
    if t is int or (isinstance(v, int | float) and not isinstance(v, bool)):
        return float(v)
    raise _expected("float", v)


def _str(v: Any, _: InstanceHooks | None) -> str:
    if type(v) is str:
        return v
    if isinstance(v, str):  # StrEnum members and other subclasses become plain str
        return str.__str__(v)
    raise _expected("str", v)


def _bytes_in(v: Any, _: InstanceHooks | None) -> bytes:
    if type(v) is bytes:
        return v
    raise _expected("bytes", v)


def _bytes_out(v: Any, _: InstanceHooks | None) -> bytes:
    if type(v) is bytes:
        return v
    if isinstance(v, bytes | bytearray | memoryview):
        return bytes(v)
    raise _expected("bytes", v)


def _none(v: Any, _: InstanceHooks | None) -> None:
    if v is None:
        return None
    raise _expected("none", v)


def _parser(what: str, parse: Callable[[str], Any]) -> Converter:
    def from_wire(v: Any, _: InstanceHooks | None) -> Any:
        if type(v) is not str:
            raise _expected(f"{what} (a string)", v)
        try:
            return parse(v)
        except (ValueError, ArithmeticError):
            raise InvalidValue(f"expected {what}, got {v!r}") from None

    return from_wire


def _decimal_parse(s: str) -> decimal.Decimal:
    return decimal.Decimal(s)


_date_in = _parser("date (ISO 8601 YYYY-MM-DD)", dt.date.fromisoformat)
_datetime_in = _parser("datetime (ISO 8601)", dt.datetime.fromisoformat)
_time_in = _parser("time (ISO 8601 HH:MM:SS)", dt.time.fromisoformat)
_decimal_in = _parser("decimal", _decimal_parse)
_uuid_in = _parser("uuid", uuid.UUID)


def _date_out(v: Any, h: InstanceHooks | None) -> str:
    if isinstance(v, dt.date) and not isinstance(v, dt.datetime):
        return v.isoformat()
    if type(v) is str:
        return _date_in(v, h).isoformat()  # type: ignore[no-any-return]
    raise _expected("date", v)


def _datetime_out(v: Any, h: InstanceHooks | None) -> str:
    if isinstance(v, dt.datetime):
        return v.isoformat()
    if type(v) is str:
        return _datetime_in(v, h).isoformat()  # type: ignore[no-any-return]
    raise _expected("datetime", v)


def _time_out(v: Any, h: InstanceHooks | None) -> str:
    if isinstance(v, dt.time):
        return v.isoformat()
    if type(v) is str:
        return _time_in(v, h).isoformat()  # type: ignore[no-any-return]
    raise _expected("time", v)


def _decimal_out(v: Any, h: InstanceHooks | None) -> str:
    if isinstance(v, decimal.Decimal):
        return str(v)
    if type(v) is int:
        return str(v)
    if type(v) is str:
        return str(_decimal_in(v, h))
    # A float is refused: it would silently carry binary rounding into a decimal.
    raise _expected("decimal (Decimal, int or str)", v)


def _uuid_out(v: Any, h: InstanceHooks | None) -> str:
    if isinstance(v, uuid.UUID):
        return str(v)
    if type(v) is str:
        return str(_uuid_in(v, h))
    raise _expected("uuid", v)


_MICROSECOND = dt.timedelta(microseconds=1)


def _duration_in(v: Any, _: InstanceHooks | None) -> dt.timedelta:
    if type(v) is not int:
        raise _expected("duration (an int of microseconds)", v)
    # 64 bits of microseconds (292,000 years) are well within timedelta's 999999999 days
    return dt.timedelta(microseconds=_int(v, None))


def _duration_out(v: Any, h: InstanceHooks | None) -> int:
    if isinstance(v, dt.timedelta):
        # timedelta reaches 999999999 days, past the wire's 64-bit count of microseconds
        return _int(v // _MICROSECOND, h)
    raise _expected("duration (timedelta)", v)


_PRIMITIVES_IN: dict[str, Converter] = {
    "bool": _bool,
    "int": _int,
    "float": _float,
    "str": _str,
    "bytes": _bytes_in,
    "none": _none,
    "date": _date_in,
    "datetime": _datetime_in,
    "time": _time_in,
    "decimal": _decimal_in,
    "uuid": _uuid_in,
    "duration": _duration_in,
}
_PRIMITIVES_OUT: dict[str, Converter] = {
    **_PRIMITIVES_IN,
    "bytes": _bytes_out,
    "date": _date_out,
    "datetime": _datetime_out,
    "time": _time_out,
    "decimal": _decimal_out,
    "uuid": _uuid_out,
    "duration": _duration_out,
}
