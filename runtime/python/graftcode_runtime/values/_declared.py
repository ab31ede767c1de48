"""Converters for declared types: records and errors (`_RecordPlan`, a map of fields each
way), enums (travel as their values) and classes (travel as instance references)."""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .. import ugm
from ..protocol._errors import InvalidValue
from ..protocol._events import InstanceRef
from ._converter import Converter, InstanceHooks, _expected

if TYPE_CHECKING:
    from ._codec import ValueCodec

_MISSING: Any = object()
_NOT_RECORDS = frozenset({type(None), bool, int, float, str, bytes, bytearray, list, tuple})


@dataclasses.dataclass(frozen=True)
class _FieldPlan:
    name: str
    decode: Converter
    encode: Converter
    default_wire: Any  # _MISSING when the field is required


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
