"""`ValueCodec`: typed Python values <-> wire values, for the types of one module's UGM.

The rules are docs/protocol.md section 6: records are maps by field name (absent fields take
their defaults, unknown ones are ignored), enums travel as their values, date/datetime/time are
ISO 8601 strings, decimal and uuid are strings, class instances are references (ext type 1).

Every conversion validates: a wrong value raises `InvalidValue` whose path says where
(`items[2].quantity: expected int, got str`). For speed, each type is compiled once into a
closure (cached per type), so converting `add(1, 2)`'s arguments is two small function calls;
paths are assembled only when an error unwinds.

Instances need the connection they live on, so conversions take an optional `instances` hook
(`InstanceHooks`): the gateway passes its connection's instance table, a client passes whatever
turns references into proxies. Without a hook, `from_wire` returns the `InstanceRef` itself and
`to_wire` accepts an `InstanceRef` or any object with a `__graft_ref__` attribute holding one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import enum
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol, TypeAlias

from .. import ugm
from ..protocol._errors import InvalidValue, StatusCode
from ..protocol._events import InstanceRef

_I64_MIN = -(1 << 63)
_I64_MAX = (1 << 63) - 1


class InstanceHooks(Protocol):
    """How class instances become references and back, on one connection."""

    def to_ref(self, obj: Any, class_name: str) -> InstanceRef: ...

    def from_ref(self, ref: InstanceRef, class_name: str) -> Any: ...


Converter: TypeAlias = Callable[[Any, "InstanceHooks | None"], Any]

_MISSING: Any = object()
_ID_CACHE_SIZE = 4096
_NOT_RECORDS = frozenset({type(None), bool, int, float, str, bytes, bytearray, list, tuple})


def _kind(v: Any) -> str:
    """How a wrong value is named in errors: the wire/JSON-ish name of its type."""
    if v is None:
        return "none"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "float"
    if isinstance(v, str):
        return "str"
    if isinstance(v, bytes | bytearray | memoryview):
        return "bytes"
    if isinstance(v, list | tuple):
        return "list"
    if isinstance(v, Mapping):
        return "map"
    if isinstance(v, InstanceRef):
        return f"instance reference ({v.class_name or 'unknown class'})"
    return type(v).__name__


def _expected(what: str, got: Any) -> InvalidValue:
    return InvalidValue(f"expected {what}, got {_kind(got)}")


def type_text(t: ugm.TypeRef) -> str:
    """A type as the IDL spells it, for messages."""
    if isinstance(t, ugm.Primitive):
        return t.name
    if isinstance(t, ugm.Optional):
        return type_text(t.inner) + "?"
    if isinstance(t, ugm.ListOf):
        return f"list<{type_text(t.item)}>"
    if isinstance(t, ugm.MapOf):
        return f"map<{type_text(t.key)}, {type_text(t.value)}>"
    return t.name


def _key_segment(k: Any) -> str:
    return f'["{k}"]' if isinstance(k, str) else f"[{k!r}]"


# --------------------------------------------------------------------------------------------
# Primitive converters (shared, no state)
# --------------------------------------------------------------------------------------------


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
}
_PRIMITIVES_OUT: dict[str, Converter] = {
    **_PRIMITIVES_IN,
    "bytes": _bytes_out,
    "date": _date_out,
    "datetime": _datetime_out,
    "time": _time_out,
    "decimal": _decimal_out,
    "uuid": _uuid_out,
}


# --------------------------------------------------------------------------------------------
# The codec
# --------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _FieldPlan:
    name: str
    decode: Converter
    encode: Converter
    default_wire: Any  # _MISSING when the field is required


class ValueCodec:
    """Converts values of `module`'s types. `python_types` maps declaration names to the Python
    classes to build when decoding (dataclasses or other classes taking fields as keyword
    arguments for records, Enum classes for enums, exception classes for errors). Records without
    a Python class decode to dicts, enums without one to their raw values."""

    def __init__(self, module: ugm.Module, python_types: Mapping[str, type] | None = None) -> None:
        self.module = module
        self.python_types: Mapping[str, type] = dict(python_types or {})
        self._decls: dict[str, ugm.Decl] = {d.name: d for d in module.decls}
        self._decoders: dict[ugm.TypeRef, Converter] = {}
        self._encoders: dict[ugm.TypeRef, Converter] = {}
        self._in_by_id: dict[int, tuple[ugm.TypeRef, Converter]] = {}
        self._out_by_id: dict[int, tuple[ugm.TypeRef, Converter]] = {}
        self._named_in: dict[str, Converter] = {}
        self._named_out: dict[str, Converter] = {}
        self._error_of_class: dict[type, str] = {
            cls: name
            for name, cls in self.python_types.items()
            if isinstance(self._decls.get(name), ugm.Error)
        }
        self._binders: dict[int, tuple[Sequence[ugm.Param], _ArgBinder]] = {}
        self._error_plans: dict[str, _RecordPlan] = {}

    # ---------------------------------------------------------------------------- public

    def from_wire(
        self, t: ugm.TypeRef, wire: Any, *, instances: InstanceHooks | None = None
    ) -> Any:
        """The Python value of `wire` (a decoded msgpack value) of type `t`."""
        try:
            return self.decoder(t)(wire, instances)
        except RecursionError:
            raise InvalidValue("value nests too deeply") from None

    def to_wire(self, t: ugm.TypeRef, value: Any, *, instances: InstanceHooks | None = None) -> Any:
        """The wire value of the Python `value` of type `t`."""
        try:
            return self.encoder(t)(value, instances)
        except RecursionError:  # e.g. a cyclic object graph
            raise InvalidValue("value nests too deeply") from None

    def decoder(self, t: ugm.TypeRef) -> Converter:
        """The compiled wire -> Python converter for `t` (call it as `f(wire, instances)`)."""
        # First by identity (the UGM's type objects are reused on every call; hashing a
        # dataclass tree each time would cost more than the conversion), then by equality.
        hit = self._in_by_id.get(id(t))
        if hit is not None and hit[0] is t:
            return hit[1]
        f = self._decoders.get(t)
        if f is None:
            f = self._decoders[t] = self._compile(t, decode=True)
        if len(self._in_by_id) < _ID_CACHE_SIZE:  # callers making new types each time
            self._in_by_id[id(t)] = (t, f)  # holding `t` keeps its id from being reused
        return f

    def encoder(self, t: ugm.TypeRef) -> Converter:
        """The compiled Python -> wire converter for `t` (call it as `f(value, instances)`)."""
        hit = self._out_by_id.get(id(t))
        if hit is not None and hit[0] is t:
            return hit[1]
        f = self._encoders.get(t)
        if f is None:
            f = self._encoders[t] = self._compile(t, decode=False)
        if len(self._out_by_id) < _ID_CACHE_SIZE:
            self._out_by_id[id(t)] = (t, f)
        return f

    def default_value(self, default: ugm.Value, t: ugm.TypeRef) -> Any:
        """A declared default as a fresh Python value of type `t`."""
        return self.from_wire(t, self.literal_to_wire(default))

    def literal_to_wire(self, v: ugm.Value) -> Any:
        """A UGM literal as a wire value (enum literals become their member's value)."""
        if isinstance(v, ugm.NoneLit):
            return None
        if isinstance(v, ugm.ListLit):
            return [self.literal_to_wire(x) for x in v.items]
        if isinstance(v, ugm.MapLit):
            return {self.literal_to_wire(k): self.literal_to_wire(x) for k, x in v.items}
        if isinstance(v, ugm.EnumLit):
            decl = self._decls.get(v.enum)
            if isinstance(decl, ugm.Enum):
                for m in decl.members:
                    if m.name == v.member:
                        return m.value
            raise InvalidValue(f"unknown enum member {v.enum}.{v.member}")
        return v.value

    # ------------------------------------------------------------------------- arguments

    def args_from_wire(
        self,
        params: Sequence[ugm.Param],
        args: Sequence[Any],
        kwargs: Mapping[str, Any],
        *,
        instances: InstanceHooks | None = None,
    ) -> tuple[list[Any], dict[str, Any]]:
        """Check a call's wire arguments against `params` (Python's binding rules) and convert
        them: returns `(positional, keyword)` to call the function with. Absent arguments with
        defaults are left out, so the function's own defaults apply. Raises InvalidValue naming
        the argument: `quantity: expected int, got str`, `unexpected keyword argument 'x'`."""
        try:
            return self._binder(params).bind(args, kwargs, instances, decode=True)
        except RecursionError:
            raise InvalidValue("an argument nests too deeply") from None

    def args_to_wire(
        self,
        params: Sequence[ugm.Param],
        args: Sequence[Any],
        kwargs: Mapping[str, Any],
        *,
        instances: InstanceHooks | None = None,
    ) -> tuple[list[Any], dict[str, Any]]:
        """The client side of `args_from_wire`: the same checks, converting to wire values."""
        try:
            return self._binder(params).bind(args, kwargs, instances, decode=False)
        except RecursionError:
            raise InvalidValue("an argument nests too deeply") from None

    def _binder(self, params: Sequence[ugm.Param]) -> _ArgBinder:
        # Keyed by identity (the UGM's tuples live as long as the module), checked against the
        # stored object so a recycled id never returns another list's binder.
        entry = self._binders.get(id(params))
        if entry is None or entry[0] is not params:
            entry = (params, _ArgBinder(self, tuple(params)))
            if len(self._binders) < _ID_CACHE_SIZE:
                self._binders[id(params)] = entry
        return entry[1]

    # ---------------------------------------------------------------------------- errors

    def error_fields(self, name: str) -> tuple[ugm.Field, ...]:
        """The fields of error `name`, inherited ones (from `extends`) first."""
        chain: list[ugm.Error] = []
        decl = self._decls.get(name)
        while isinstance(decl, ugm.Error) and decl not in chain:
            chain.append(decl)
            decl = self._decls.get(decl.base) if decl.base else None
        out: dict[str, ugm.Field] = {}
        for e in reversed(chain):
            for f in e.fields:
                out[f.name] = f
        return tuple(out.values())

    def error_to_wire(
        self, exc: BaseException, *, instances: InstanceHooks | None = None
    ) -> tuple[str, dict[str, Any]] | None:
        """`(type_name, fields)` for an exception whose class (or a base) is a declared error
        in `python_types`, the most derived one; None for any other exception."""
        for cls in type(exc).__mro__:
            name = self._error_of_class.get(cls)
            if name is not None:
                return name, self._error_plan(name).encode(exc, instances)
        return None

    def error_from_wire(
        self,
        type_name: str,
        fields: Mapping[str, Any] | None,
        message: str = "",
        *,
        instances: InstanceHooks | None = None,
    ) -> BaseException | None:
        """The exception for an application error: an instance of the class `python_types` maps
        `type_name` to, with its fields decoded. None when the name is not a declared error
        with a Python class (the caller raises a generic RemoteError then)."""
        cls = self.python_types.get(type_name)
        if (
            not isinstance(self._decls.get(type_name), ugm.Error)
            or cls is None
            or not issubclass(cls, BaseException)
        ):
            return None
        values = self._error_plan(type_name).decode_fields(fields or {}, instances)
        try:
            exc = cls(**values)
        except TypeError:
            # A hand-written exception whose __init__ does not take the fields by name.
            exc = cls.__new__(cls)
            exc.args = (message,)
            for k, v in values.items():
                setattr(exc, k, v)
        return exc

    def _error_plan(self, name: str) -> _RecordPlan:
        plan = self._error_plans.get(name)
        if plan is None:
            plan = self._error_plans[name] = _RecordPlan(self, name, self.error_fields(name), None)
        return plan

    # --------------------------------------------------------------------------- compiling

    def _compile(self, t: ugm.TypeRef, *, decode: bool) -> Converter:
        if isinstance(t, ugm.Primitive):
            table = _PRIMITIVES_IN if decode else _PRIMITIVES_OUT
            try:
                return table[t.name]
            except KeyError:
                raise ValueError(f"unknown primitive type {t.name!r}") from None
        if isinstance(t, ugm.Optional):
            inner = self.decoder(t.inner) if decode else self.encoder(t.inner)

            def optional(v: Any, h: InstanceHooks | None) -> Any:
                return None if v is None else inner(v, h)

            return optional
        if isinstance(t, ugm.ListOf):
            return self._list(t, decode)
        if isinstance(t, ugm.MapOf):
            return self._map(t, decode)
        if isinstance(t, ugm.Named):
            return self._named(t.name, decode)
        raise ValueError(f"not a UGM type: {t!r}")

    def _list(self, t: ugm.ListOf, decode: bool) -> Converter:
        item = self.decoder(t.item) if decode else self.encoder(t.item)
        what = f"list ({type_text(t)})"

        def convert(v: Any, h: InstanceHooks | None) -> list[Any]:
            if type(v) is not list and not (
                isinstance(v, list | tuple) or (not decode and isinstance(v, set | frozenset))
            ):
                raise _expected(what, v)
            out = []
            for i, x in enumerate(v):
                try:
                    out.append(item(x, h))
                except InvalidValue as e:
                    raise e.within(f"[{i}]") from None
            return out

        return convert

    def _map(self, t: ugm.MapOf, decode: bool) -> Converter:
        key_name = t.key.name if isinstance(t.key, ugm.Primitive) else ""
        if key_name not in ugm.MAP_KEY_PRIMITIVES:
            raise ValueError(f"map keys must be str or int, not {type_text(t.key)}")
        key = _str if key_name == "str" else _int
        value = self.decoder(t.value) if decode else self.encoder(t.value)
        what = f"map ({type_text(t)})"

        def convert(v: Any, h: InstanceHooks | None) -> dict[Any, Any]:
            # `type(v) is dict` first: isinstance against the Mapping ABC is the slow check
            if type(v) is not dict and not isinstance(v, Mapping):
                raise _expected(what, v)
            out = {}
            for k, x in v.items():
                try:
                    ck = key(k, h)
                except InvalidValue:
                    raise InvalidValue(f"expected {key_name} key, got {_kind(k)}").within(
                        _key_segment(k)
                    ) from None
                try:
                    out[ck] = value(x, h)
                except InvalidValue as e:
                    raise e.within(_key_segment(k)) from None
            return out

        return convert

    def _named(self, name: str, decode: bool) -> Converter:
        table = self._named_in if decode else self._named_out
        f = table.get(name)
        if f is None:
            decl = self._decls.get(name)
            if decl is None:
                raise ValueError(f"unknown type {name!r} in module {self.module.name}")
            f = table[name] = self._compile_decl(decl, decode)
        return f

    def _compile_decl(self, decl: ugm.Decl, decode: bool) -> Converter:
        if isinstance(decl, ugm.Record | ugm.Error):
            fields = decl.fields if isinstance(decl, ugm.Record) else self.error_fields(decl.name)
            plan = _RecordPlan(self, decl.name, fields, self.python_types.get(decl.name))
            return plan.decode if decode else plan.encode
        if isinstance(decl, ugm.Enum):
            return _enum_converter(decl, self.python_types.get(decl.name), decode)
        if isinstance(decl, ugm.Class):
            return _class_converter(decl.name, self.python_types.get(decl.name), decode)
        raise ValueError(f"{decl.name} is a service, not a type")


def _enum_converter(decl: ugm.Enum, cls: type | None, decode: bool) -> Converter:
    values = {m.value: m for m in decl.members}
    kinds = {type(m.value) for m in decl.members}
    what = f"{decl.name} value (one of {', '.join(repr(m.value) for m in decl.members)})"
    py_enum = cls if isinstance(cls, type) and issubclass(cls, enum.Enum) else None

    def from_wire(v: Any, _: InstanceHooks | None) -> Any:
        if type(v) in kinds and v in values:
            return py_enum(v) if py_enum is not None else v
        raise InvalidValue(f"expected {what}, got {v!r}")

    def to_wire(v: Any, _: InstanceHooks | None) -> Any:
        raw = v.value if isinstance(v, enum.Enum) else v
        if type(raw) in kinds and raw in values:
            return raw
        # IntEnum / StrEnum members of a foreign class: compare by plain value.
        if isinstance(raw, int | str) and not isinstance(raw, bool):
            plain = int(raw) if isinstance(raw, int) else str.__str__(raw)
            if plain in values and type(plain) in kinds:
                return plain
        raise InvalidValue(f"expected {what}, got {v!r}")

    return from_wire if decode else to_wire


def _class_converter(name: str, cls: type | None, decode: bool) -> Converter:
    def from_wire(v: Any, h: InstanceHooks | None) -> Any:
        if type(v) is not InstanceRef:
            raise _expected(f"{name} instance reference", v)
        return v if h is None else h.from_ref(v, name)

    def to_wire(v: Any, h: InstanceHooks | None) -> Any:
        if type(v) is InstanceRef:
            return v
        ref = getattr(v, "__graft_ref__", None)
        if type(ref) is InstanceRef:
            return ref
        if h is None:
            raise _expected(f"{name} instance", v)
        if cls is not None and not isinstance(v, cls):
            raise _expected(f"{name} instance", v)
        return h.to_ref(v, name)

    return from_wire if decode else to_wire


class _RecordPlan:
    """Conversion of one record (or error) type. Its fields compile on first use, which is what
    lets recursive types (a Node with `children: list<Node>`) compile without looping."""

    def __init__(
        self, codec: ValueCodec, name: str, fields: Sequence[ugm.Field], cls: type | None
    ) -> None:
        self.codec = codec
        self.name = name
        self.ugm_fields = tuple(fields)
        self.cls = cls
        self._plans: tuple[_FieldPlan, ...] | None = None

    @property
    def plans(self) -> tuple[_FieldPlan, ...]:
        if self._plans is None:
            c = self.codec
            self._plans = tuple(
                _FieldPlan(
                    f.name,
                    c.decoder(f.type),
                    c.encoder(f.type),
                    _MISSING if f.default is None else c.literal_to_wire(f.default),
                )
                for f in self.ugm_fields
            )
        return self._plans

    def decode_fields(self, v: Mapping[Any, Any], h: InstanceHooks | None) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for p in self.plans:
            w = v.get(p.name, _MISSING)
            if w is _MISSING:
                if p.default_wire is _MISSING:
                    raise InvalidValue(f"missing field '{p.name}' of {self.name}")
                # Decoding the wire form again gives a fresh list/dict and real enum members.
                w = p.default_wire
            try:
                out[p.name] = p.decode(w, h)
            except InvalidValue as e:
                raise e.within(p.name) from None
        return out

    def decode(self, v: Any, h: InstanceHooks | None) -> Any:
        if type(v) is not dict and not isinstance(v, Mapping):
            raise _expected(f"{self.name} (a map of fields)", v)
        values = self.decode_fields(v, h)
        if self.cls is None:
            return values
        try:
            return self.cls(**values)
        except Exception as e:  # the class's own validation refused the values
            raise InvalidValue(f"cannot build {self.name}: {e}") from None

    def encode(self, v: Any, h: InstanceHooks | None) -> dict[str, Any]:
        t = type(v)
        is_map = t is dict or isinstance(v, Mapping)
        if not is_map and t in _NOT_RECORDS:  # (a NamedTuple is fine: exact types only)
            raise _expected(f"{self.name} (a record)", v)
        # Otherwise a dataclass, an exception, or any object with the fields as attributes.
        out: dict[str, Any] = {}
        for p in self.plans:
            x = v.get(p.name, _MISSING) if is_map else getattr(v, p.name, _MISSING)
            if x is _MISSING:
                if p.default_wire is _MISSING:
                    raise InvalidValue(f"missing field '{p.name}' of {self.name}")
                continue  # the receiver fills in the default
            try:
                out[p.name] = p.encode(x, h)
            except InvalidValue as e:
                raise e.within(p.name) from None
        return out


class _ArgBinder:
    """Python's argument binding for one parameter list, against wire or Python values."""

    def __init__(self, codec: ValueCodec, params: tuple[ugm.Param, ...]) -> None:
        self.codec = codec
        self.params = params
        self.positional = tuple(p for p in params if p.kind != "keyword")
        self.by_name = {p.name: p for p in params}
        self._dec = {p.name: codec.decoder(p.type) for p in params}
        self._enc = {p.name: codec.encoder(p.type) for p in params}
        # Fast path for the common shape: every argument given positionally.
        self._pos_dec = tuple(self._dec[p.name] for p in self.positional)
        self._pos_enc = tuple(self._enc[p.name] for p in self.positional)
        self._index = {p.name: i for i, p in enumerate(self.positional)}
        self._all_positional_required = all(
            p.kind != "keyword" and p.default is None for p in params
        )

    def bind(
        self,
        args: Sequence[Any],
        kwargs: Mapping[str, Any],
        h: InstanceHooks | None,
        *,
        decode: bool,
    ) -> tuple[list[Any], dict[str, Any]]:
        convs = self._pos_dec if decode else self._pos_enc
        n = len(args)
        if n > len(convs):
            raise InvalidValue(
                f"takes {len(convs)} positional argument{'s' if len(convs) != 1 else ''} "
                f"but {n} {'were' if n != 1 else 'was'} given"
            )
        pos: list[Any] = []
        i = 0
        try:
            for i in range(n):
                pos.append(convs[i](args[i], h))
        except InvalidValue as e:
            raise e.within(self.positional[i].name) from None
        if not kwargs and n == len(self.params) and self._all_positional_required:
            return pos, {}
        table = self._dec if decode else self._enc
        kw: dict[str, Any] = {}
        for name, value in kwargs.items():
            p = self.by_name.get(name) if type(name) is str else None
            if p is None:
                raise InvalidValue(f"unexpected keyword argument {name!r}")
            if p.kind == "positional":
                raise InvalidValue(f"positional-only argument {name!r} passed by keyword")
            if p.kind == "either" and self._index[name] < n:
                raise InvalidValue(f"got multiple values for argument {name!r}")
            try:
                kw[name] = table[name](value, h)
            except InvalidValue as e:
                raise e.within(name) from None
        if n + len(kw) == len(self.params):
            return pos, kw  # each parameter got exactly one value (duplicates raised above)
        for p in self.params:
            if p.default is None and p.name not in kw and self._index.get(p.name, n) >= n:
                raise InvalidValue(f"missing required argument {p.name!r}")
        return pos, kw


__all__ = ["InstanceHooks", "InvalidValue", "StatusCode", "ValueCodec", "type_text"]
