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

This module holds the codec itself: the entry points, the per-type caches and the compiling of
optional/list/map types. The converters it compiles to live beside it: `_primitives` (one per
primitive type), `_declared` (records, errors, enums, classes), `_composite` (unions, literal
sets, tuples), `_arguments` (binding a call's
arguments), and `_converter` (the converter signature and the error wording they share).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .. import ugm
from ..protocol._errors import InvalidValue
from ._arguments import _ArgBinder
from ._composite import literal_converter, tuple_converter, union_converter, untagged_default
from ._converter import Converter, InstanceHooks, _expected, _key_segment, _kind, type_text
from ._declared import _class_converter, _enum_converter, _RecordPlan
from ._fast_out import ENABLED as _FAST_OUT
from ._fast_out import exact_entries, exact_items, record_encoder
from ._primitives import _PRIMITIVES_IN, _PRIMITIVES_OUT, _int, _str

_ID_CACHE_SIZE = 4096


class ValueCodec:
    """Converts values of `module`'s types. `python_types` maps declaration names to the Python
    classes to build when decoding (dataclasses or other classes taking fields as keyword
    arguments for records, Enum classes for enums, exception classes for errors). Records without
    a Python class decode to dicts, enums without one to their raw values."""

    fast_out = _FAST_OUT  # the one-pass shortcuts of `_fast_out` (GRAFTCODE_FAST_CONVERT=0: off)

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
        return untagged_default(t, self.literal_to_wire(default), self.decoder)

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
        convert = self.decoder if decode else self.encoder
        if isinstance(t, ugm.UnionOf):
            return union_converter(t, convert, decode)
        if isinstance(t, ugm.LiteralOf):
            return literal_converter(t)
        if isinstance(t, ugm.TupleOf):
            return tuple_converter(t, [convert(x) for x in t.items], decode)
        raise ValueError(f"not a UGM type: {t!r}")

    def _list(self, t: ugm.ListOf, decode: bool) -> Converter:
        item = self.decoder(t.item) if decode else self.encoder(t.item)
        what = f"list ({type_text(t)})"
        same = exact_items(t.item) if self.fast_out else None

        def convert(v: Any, h: InstanceHooks | None) -> list[Any]:
            if same is not None and type(v) is list and same(v):
                return v[:]
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
        same = exact_entries(t.key, t.value) if self.fast_out else None

        def convert(v: Any, h: InstanceHooks | None) -> dict[Any, Any]:
            if same is not None and type(v) is dict and same(v):
                return v.copy()
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
            cls = self.python_types.get(decl.name)
            plan = _RecordPlan(self, decl.name, fields, cls)
            if decode:
                return plan.decode
            if isinstance(decl, ugm.Record) and isinstance(cls, type) and self.fast_out:
                return record_encoder(cls, fields, self.encoder, plan.encode)
            return plan.encode
        if isinstance(decl, ugm.Enum):
            return _enum_converter(decl, self.python_types.get(decl.name), decode)
        if isinstance(decl, ugm.Class):
            return _class_converter(decl.name, self.python_types.get(decl.name), decode)
        raise ValueError(f"{decl.name} is a service, not a type")


__all__ = ["ValueCodec"]
