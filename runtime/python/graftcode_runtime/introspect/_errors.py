"""Errors: their fields, from class-level annotations and from what `__init__` sets, and the
small questions every declaration kind asks (which kind a class is, whether a base is the
standard library's, whether a field's type can travel)."""

from __future__ import annotations

import dataclasses
import enum
import inspect
import sys
import types
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .. import ugm
from . import _callables
from ._docstrings import class_doc
from ._hints import HintError, class_hints, function_hints, is_classvar, resolve
from ._records import NO_DEFAULT, flavour
from ._source import InitAssignment, Location
from ._types import TypeProblem, map_type
from ._values import literal

if TYPE_CHECKING:
    from ._exporter import _Exporter


def is_stdlib(cls: type) -> bool:
    return cls.__module__.split(".")[0] in sys.stdlib_module_names


def kind_of(cls: type) -> str:
    if issubclass(cls, enum.Enum):
        return "enum"
    if issubclass(cls, BaseException):
        return "error"
    if flavour(cls) is not None:
        return "record"
    return "class"


def field_type_problem(t: ugm.TypeRef, by_name: Mapping[str, object]) -> str | None:
    for x in ugm.walk_types(t):
        if isinstance(x, ugm.Primitive) and x.name == "none":
            return "`None` carries nothing; remove the field"
        if not isinstance(x, ugm.Named):
            continue
        target = by_name.get(x.name)
        if isinstance(target, type) and kind_of(target) == "class":
            return (
                f"`{x.name}` is a class whose instances live in the gateway, while records and "
                "errors are plain values; pass or return the instance directly, or hold a record"
            )
    return None


def error_decl(ex: _Exporter, cls: type, name: str) -> ugm.Error | None:
    if not issubclass(cls, Exception):
        ex.ctx.problem(
            name,
            "it derives from BaseException but not Exception, so it is not an application "
            "error; derive it from Exception",
            ex.ctx.source.locate(cls),
        )
        return None
    base: str | None = None
    stop: type = Exception
    for b in cls.__mro__[1:]:
        if b.__module__ == "builtins" or is_stdlib(b):
            stop = b
            break
        if b.__name__.startswith("_") or not issubclass(b, Exception):
            continue  # a private base's or a mixin's fields are inlined; the base is an error
        try:
            base = ex._register(b, ex.names.get(b, b.__name__))
        except TypeProblem as e:
            ex.ctx.problem(name, str(e), ex.ctx.source.locate(cls))
        stop = b
        break
    own = cls.__mro__[: cls.__mro__.index(stop)]
    bases = cls.__mro__[len(own) :]
    inherited = {n for k in bases for n in inspect.get_annotations(k)}
    inherited |= {
        a.name
        for k in bases
        if k.__module__ != "builtins" and not is_stdlib(k)
        for a in ex.ctx.source.init_assignments(k)
    }
    docs = ex.ctx.source.attribute_docs(cls)
    fields: list[ugm.Field] = []
    for field_name, (declared_in, hint) in class_hints(cls).items():
        if declared_in not in own or field_name in inherited or is_classvar(hint):
            continue
        default = declared_in.__dict__.get(field_name, NO_DEFAULT)
        where = ex.ctx.source.class_member(declared_in, field_name)
        field = ex._field(
            field_name,
            hint,
            default,
            None,
            None,
            f"{name}.{field_name}",
            cls,
            where,
            docs.get(field_name),
        )
        # A bad field does not stop the error from being raised; it is left out (or fails).
        if field is not None:
            fields.append(field)
    known = inherited | set(class_hints(cls))
    fields += _init_fields(ex, cls, name, own, known)
    return ugm.Error(name, tuple(fields), base, class_doc(cls), _callables.annotations_of(cls))


def _init_fields(
    ex: _Exporter, cls: type, name: str, own: Sequence[type], known: set[str]
) -> list[ugm.Field]:
    """Attributes an error sets only in `__init__` (no class-level annotation). Each is a
    field when its type is known: `ex.x: T = ...`, or `ex.x = p` where the parameter `p`
    is annotated (its default is the field's). The others are named in one warning."""
    fields: list[ugm.Field] = []
    left_out: list[tuple[str, str, Location]] = []
    for klass in reversed(own):
        init = vars(klass).get("__init__")
        if init is None:
            continue
        docs = ex.ctx.source.attribute_docs(klass)
        groups: dict[str, list[InitAssignment]] = {}
        for a in ex.ctx.source.init_assignments(klass):
            if not a.name.startswith("_") and a.name not in known:
                groups.setdefault(a.name, []).append(a)
        for attr, group in groups.items():
            known.add(attr)
            if _is_descriptor(cls, attr):
                continue  # a property's setter or BaseException's `args`: not a new attribute
            field, why, where = _init_field(ex, cls, klass, init, attr, group)
            if field is not None:
                fields.append(dataclasses.replace(field, doc=docs.get(attr)))
            else:
                left_out.append((attr, why, where))
    if left_out:
        listed = "; ".join(f"`{attr}` ({why})" for attr, why, _ in left_out)
        ex.ctx.note(
            name,
            f"attributes set only in `__init__` are not sent to callers: {listed}. Declare "
            f"each one at class level with its type (e.g. `{left_out[0][0]}: str` in the "
            "class body) to make it a field of the error",
            left_out[0][2],
        )
    return fields


def _init_field(
    ex: _Exporter, cls: type, klass: type, init: Any, attr: str, group: Sequence[InitAssignment]
) -> tuple[ugm.Field | None, str, Location]:
    """The field for `ex.attr = ...` in `klass.__init__`, or None and why not."""
    annotated = next((a for a in group if a.annotation is not None), None)
    where = (annotated or group[0]).location
    first = next((a for a in group if a.unconditional), None)
    if first is None:
        return (
            None,
            "set only on some paths through `__init__`: it needs a class-level default",
            where,
        )
    hint: Any
    if annotated is not None and annotated.annotation is not None:
        module = sys.modules.get(klass.__module__)
        try:
            hint = resolve(annotated.annotation, getattr(module, "__dict__", {}), dict(vars(klass)))
        except HintError as e:
            return None, str(e), where
    elif first.parameter is not None:
        hint = function_hints(init).get(first.parameter)
        if hint is None:
            return None, f"the parameter `{first.parameter}` has no annotation", where
        if isinstance(hint, HintError):
            return None, str(hint), where
    elif first.literal is not None:
        # `self.retryable = False`, `self.detail = f"..."`: a literal's type is certain.
        hint = {"bool": bool, "int": int, "float": float, "str": str}[first.literal]
    else:
        return None, "it is assigned a computed value, whose type is unknown", where
    try:
        t = map_type(hint, owner=cls, named=ex._named)
    except TypeProblem as e:
        return None, str(e), where
    problem = field_type_problem(t, ex.by_name)
    if problem is not None:
        return None, problem, where
    value: ugm.Value | None = None
    default = _parameter_default(init, first.parameter)
    if default is not NO_DEFAULT:
        try:
            value = literal(default, t, ex._enum_name)
        except TypeProblem:
            value = None  # the attribute is always set, so the field can do without one
    return ugm.Field(attr, t, value, None), "", where


def _is_descriptor(cls: type, attr: str) -> bool:
    """Whether `self.attr = ...` goes through the class (a property with a setter, a method,
    BaseException's `args`) rather than making an instance attribute."""
    for klass in cls.__mro__:
        if attr in vars(klass):
            static = vars(klass)[attr]
            if isinstance(static, types.MemberDescriptorType) and not (
                klass.__module__ == "builtins" or is_stdlib(klass)
            ):
                return False  # the user's own `__slots__` entry holds a plain value
            return inspect.isroutine(static) or hasattr(type(static), "__set__")
    return False


def _parameter_default(fn: Any, name: str | None) -> object:
    if name is None:
        return NO_DEFAULT
    try:
        param = inspect.signature(fn).parameters.get(name)
    except (TypeError, ValueError):
        return NO_DEFAULT
    if param is None or param.default is inspect.Parameter.empty:
        return NO_DEFAULT
    return param.default
