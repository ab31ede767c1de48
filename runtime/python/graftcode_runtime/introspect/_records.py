"""Which classes are records, and their fields, for every flavour of Python record.

Dataclasses, `typing.NamedTuple`, `TypedDict`, attrs classes and (when pydantic is imported by the
module) pydantic models are all records: data sent whole, field by field, by name. Pydantic and
attrs are detected without importing them, so the runtime does not depend on either.
"""

from __future__ import annotations

import dataclasses
import sys
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import typing_extensions

from ._hints import HintError, class_hints

Flavour = Literal["dataclass", "namedtuple", "typeddict", "pydantic", "attrs"]


class _NoDefault:
    def __repr__(self) -> str:
        return "NO_DEFAULT"


NO_DEFAULT: Any = _NoDefault()


@dataclass(frozen=True)
class RawField:
    """A record field before type mapping: its resolved hint (or the HintError it gave)."""

    name: str
    hint: Any
    declared_in: type
    default: object = NO_DEFAULT
    factory: Callable[[], object] | None = None
    refusal: str | None = None  # why the field cannot be a record field at all
    doc: str | None = None  # where the library keeps one (pydantic's `description`)


def flavour(cls: type) -> Flavour | None:
    if dataclasses.is_dataclass(cls):
        return "dataclass"
    if issubclass(cls, tuple) and isinstance(getattr(cls, "_fields", None), tuple):
        return "namedtuple"
    if typing.is_typeddict(cls) or typing_extensions.is_typeddict(cls):
        return "typeddict"
    base = getattr(sys.modules.get("pydantic"), "BaseModel", None)
    if isinstance(base, type) and issubclass(cls, base) and cls is not base:
        return "pydantic"
    if isinstance(getattr(cls, "__attrs_attrs__", None), tuple):
        return "attrs"
    return None


def raw_fields(cls: type, kind: Flavour) -> list[RawField]:
    hints = class_hints(cls)

    def hint(name: str) -> tuple[type, Any]:
        found = hints.get(name)
        if found is None:
            return cls, None
        return found

    if kind == "dataclass":
        out = [_dataclass_field(f, *hint(f.name)) for f in dataclasses.fields(cls)]
        return out + _init_vars(cls, hint)
    if kind == "namedtuple":
        defaults: dict[str, object] = getattr(cls, "_field_defaults", {})
        return [
            RawField(n, hint(n)[1], hint(n)[0], defaults.get(n, NO_DEFAULT))
            for n in getattr(cls, "_fields", ())
        ]
    if kind == "typeddict":
        return _typeddict_fields(cls, hints)
    if kind == "pydantic":
        return _pydantic_fields(cls)
    return _attrs_fields(cls, hint)


def _dataclass_field(f: dataclasses.Field[Any], declared_in: type, hint: Any) -> RawField:
    factory = None if f.default_factory is dataclasses.MISSING else f.default_factory
    default = NO_DEFAULT if f.default is dataclasses.MISSING else f.default
    refusal = None
    if not f.init:
        refusal = (
            "it has init=False, so a caller's value could not be passed to the constructor; "
            "make it a property of a class, or drop init=False"
        )
    return RawField(f.name, hint, declared_in, default, factory, refusal)


def _init_vars(cls: type, hint: Callable[[str], tuple[type, Any]]) -> list[RawField]:
    """`InitVar` pseudo-fields: constructor arguments that are not fields, so a record built
    from its fields could not supply them (unless they have a default)."""
    out = []
    all_fields: dict[str, Any] = getattr(cls, "__dataclass_fields__", {})
    for name, f in all_fields.items():
        if repr(getattr(f, "_field_type", None)) != "_FIELD_INITVAR":
            continue
        if f.default is not dataclasses.MISSING:
            continue
        refusal = (
            "it is an InitVar without a default: a constructor argument that is not a field, so "
            "a record sent by field could not supply it; give it a default or make it a field"
        )
        out.append(RawField(name, hint(name)[1], hint(name)[0], refusal=refusal))
    return out


def _typeddict_fields(cls: type, hints: dict[str, tuple[type, Any]]) -> list[RawField]:
    optional: frozenset[str] = getattr(cls, "__optional_keys__", frozenset())
    out = []
    for name, (declared_in, hint) in hints.items():
        refusal = None
        if name in optional:
            refusal = (
                "the key is not required (total=False or NotRequired); the IDL has no absent "
                "fields, so make it required with type `T | None`, or use a dataclass with a "
                "default"
            )
        out.append(RawField(name, hint, declared_in, refusal=refusal))
    return out


def _pydantic_fields(cls: type) -> list[RawField]:
    out = []
    model_fields: dict[str, Any] = getattr(cls, "model_fields", {})
    for name, info in model_fields.items():
        required = info.is_required()
        factory = getattr(info, "default_factory", None)
        default = NO_DEFAULT if required or factory is not None else info.default
        description = getattr(info, "description", None)
        doc = description if isinstance(description, str) else None
        out.append(RawField(name, info.annotation, cls, default, factory, doc=doc))
    return out


def _attrs_fields(cls: type, hint: Callable[[str], tuple[type, Any]]) -> list[RawField]:
    out = []
    for a in getattr(cls, "__attrs_attrs__", ()):
        declared_in, resolved = hint(a.name)
        if resolved is None and a.type is not None and not isinstance(a.type, str):
            resolved = a.type
        if resolved is None and isinstance(a.type, str):
            resolved = HintError(f"the annotation `{a.type}` could not be resolved")
        default, factory = NO_DEFAULT, None
        if type(a.default).__name__ == "Factory":
            factory = None if a.default.takes_self else a.default.factory
            if factory is None:
                default = a.default  # refused later as a non-literal default
        elif type(a.default).__name__ != "_Nothing":
            default = a.default
        refusal = None
        if not a.init:
            refusal = (
                "it has init=False, so a caller's value could not be passed to the constructor"
            )
        elif getattr(a, "alias", a.name) != a.name:
            refusal = (
                f"its constructor parameter is `{a.alias}`, not `{a.name}`; records are built "
                "from field names, so drop the leading underscore or the alias"
            )
        out.append(RawField(a.name, resolved, declared_in, default, factory, refusal))
    return out
