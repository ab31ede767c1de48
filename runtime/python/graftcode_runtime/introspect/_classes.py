"""Classes callers instantiate remotely: constructor, methods and properties, own ones first.

Members inherited from the class's bases count too, except those of `object`, `abc`, `typing`
and `enum` classes. Static and class methods are static members; properties, annotated
attributes (in the body, or `self.x: T` in `__init__`) are properties.

Which attributes callers may set (docs/type-mapping.md, "Class"): one annotated in the class
body is read-write, as a dataclass field is; one that only `__init__` declares (`self.name: str
= parsed.name`) is state computed at construction, read-only unless a method other than the
dunder hooks assigns it too. `Final` is always read-only.
"""

from __future__ import annotations

import functools
import inspect
import sys
import types
from typing import Any

from .. import ugm
from . import _callables
from ._context import Context
from ._docstrings import class_doc
from ._hints import HintError, class_hints, is_classvar, resolve
from ._source import Location
from ._surface import Filters, is_function

# Bases whose members are never part of a class's surface.
_FOREIGN_BASES = ("builtins", "abc", "typing", "typing_extensions", "collections.abc", "enum")


def build_class(ctx: Context, filters: Filters, cls: type, name: str) -> ugm.Class | None:
    """A class callers instantiate remotely: constructor, methods and properties."""
    ctor: ugm.Constructor | None = None
    init = _find_init(cls)
    if not inspect.isabstract(cls):
        if init is None:
            ctor = ugm.Constructor()
        else:
            ctor = _callables.constructor(ctx, cls, init, f"{name}.__init__")
    methods: list[tuple[tuple[int, int], ugm.Method]] = []
    props: list[tuple[tuple[int, int], ugm.Property]] = []
    seen: set[str] = set()
    mro = [k for k in cls.__mro__ if k.__module__ not in _FOREIGN_BASES]
    mutated = {a for klass in mro for a in ctx.source.assigned_in_methods(klass)}
    for depth, klass in enumerate(mro):
        for attr, raw in vars(klass).items():
            if attr.startswith("_") or attr in seen:
                continue
            if isinstance(raw, types.MemberDescriptorType):
                continue  # a `__slots__` entry: typed, if at all, by an annotation found below
            seen.add(attr)
            line = ctx.source.class_member(klass, attr).line
            member = f"{name}.{attr}"
            key = (depth, line)
            if isinstance(raw, staticmethod | classmethod):
                if filters.method_selected(name, attr):
                    m = _callables.function(
                        ctx,
                        raw.__func__,
                        name=attr,
                        member=member,
                        owner=cls,
                        drop_first=isinstance(raw, classmethod),
                        static=True,
                    )
                    if m is not None:
                        methods.append((key, m))
            elif is_function(raw):
                if filters.method_selected(name, attr):
                    m = _callables.function(
                        ctx,
                        raw,
                        name=attr,
                        member=member,
                        owner=cls,
                        drop_first=True,
                        static=False,
                    )
                    if m is not None:
                        methods.append((key, m))
            elif isinstance(raw, property):
                p = _callables.accessor(
                    ctx,
                    raw.fget,
                    name=attr,
                    member=member,
                    owner=cls,
                    readonly=raw.fset is None,
                )
                if p is not None:
                    props.append((key, p))
            elif isinstance(raw, functools.cached_property):
                p = _callables.accessor(
                    ctx, raw.func, name=attr, member=member, owner=cls, readonly=True
                )
                if p is not None:
                    props.append((key, p))
        props += _attributes(ctx, cls, klass, name, depth, seen, mutated)
    methods.sort(key=lambda x: x[0])
    props.sort(key=lambda x: x[0])
    return ugm.Class(
        name,
        ctor,
        tuple(m for _, m in methods),
        tuple(p for _, p in props),
        class_doc(cls),
        _callables.annotations_of(cls),
    )


def _attributes(
    ctx: Context,
    cls: type,
    klass: type,
    name: str,
    depth: int,
    seen: set[str],
    mutated: set[str],
) -> list[tuple[tuple[int, int], ugm.Property]]:
    """Annotated attributes of `klass`: in its body, and `self.x: T` in its `__init__`."""
    docs = ctx.source.attribute_docs(klass)
    found: list[tuple[str, Any, Location, bool]] = []
    for attr, (declared_in, hint) in class_hints(klass).items():
        if declared_in is klass and not is_classvar(hint):
            found.append((attr, hint, ctx.source.class_member(klass, attr), True))
    module = sys.modules.get(klass.__module__)
    for a in ctx.source.init_attributes(klass):
        try:
            hint = resolve(a.annotation, getattr(module, "__dict__", {}), dict(vars(klass)))
        except HintError as e:
            hint = e
        found.append((a.name, hint, a.location, a.name in mutated))
    out = []
    for attr, hint, where, settable in found:
        if attr.startswith("_") or attr in seen:
            continue
        seen.add(attr)
        p = _callables.attribute(
            ctx,
            hint,
            name=attr,
            member=f"{name}.{attr}",
            owner=cls,
            where=where,
            doc=docs.get(attr),
            settable=settable,
        )
        if p is not None:
            out.append(((depth, where.line), p))
    return out


def _find_init(cls: type) -> Any:
    for klass in cls.__mro__:
        if klass is object:
            return None
        if "__init__" in vars(klass):
            return vars(klass)["__init__"]
    return None
