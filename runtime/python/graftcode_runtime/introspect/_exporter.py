"""`export_module`: a module's public surface as a UGM module.

Roots are the surface's functions (one service) and classes, after filtering. Types they use are
pulled in: the module's own public classes, and records, enums and errors of other modules (data
has no behaviour to hide). Declarations keep source order; types from other files follow in the
order first needed, so the output is deterministic.
"""

from __future__ import annotations

import enum
import inspect
import linecache
import os
import sys
import traceback
import types
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .. import ugm
from . import _callables
from ._classes import build_class
from ._closure import member_names, prune, reachable
from ._context import Context
from ._docstrings import class_doc, clean
from ._errors import error_decl, field_type_problem, is_stdlib, kind_of
from ._hints import HintError
from ._loader import describe_exception
from ._names import MODULE_NAME_RE, check_decl
from ._problems import ExportError, Problem
from ._records import NO_DEFAULT, flavour, raw_fields
from ._source import Location
from ._surface import Filters, is_function, is_own, is_sibling, public_names
from ._types import TypeProblem, describe, map_type
from ._values import literal
from ._version import resolve_version


@dataclass(frozen=True)
class Export:
    """The result of `export_module`.

    `objects` maps each declaration name of `module` to the Python object it came from: the class
    of a record, enum, error or class, and the module object for the service. `refused` lists
    what `skip_unsupported` left out, one Problem per member (the warnings without the notes,
    plus the members pruned for using something left out): what `graftc export --report` counts.
    """

    module: ugm.Module
    warnings: tuple[Problem, ...]
    objects: Mapping[str, object]
    refused: tuple[Problem, ...] = ()


def export_module(
    module: types.ModuleType,
    *,
    version: str | None = None,
    types: Sequence[str] = (),
    methods: Sequence[str] = (),
    skip_unsupported: bool = False,
) -> Export:
    """Describe `module`'s public surface. Raises ExportError listing every unsupported construct
    (with `skip_unsupported`, those members are left out and listed in `warnings` instead)."""
    try:
        return _Exporter(module, Filters(types, methods), skip_unsupported).run(version)
    except Exception as e:
        where = _user_frame(e)
        if where is None:
            raise  # raised inside the exporter itself: a bug, not bad input
        file, line, column = where
        name = module.__name__
        raise ExportError(
            [
                Problem(
                    name,
                    f"the module's own code raised {describe_exception(e)} while its surface "
                    "was being read (an attribute, a metaclass or a module `__getattr__`); make "
                    "reading its public names and annotations side-effect free",
                    file,
                    line,
                    column,
                )
            ]
        ) from None


_OURS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _user_frame(exc: BaseException) -> tuple[str, int, int] | None:
    """Where the innermost frame is, when it is outside graftcode_runtime (the user's code)."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return None
    last = frames[-1]
    if os.path.abspath(last.filename).startswith(_OURS + os.sep):
        return None
    if last.filename.startswith("<") or last.filename.startswith(sys.prefix):
        return None  # the standard library or a dependency, called by the exporter
    text = linecache.getline(last.filename, last.lineno or 0).rstrip()  # .line is stripped
    return last.filename, last.lineno or 0, len(text) - len(text.lstrip()) + 1 if text else 0


class _Exporter:
    def __init__(self, module: types.ModuleType, filters: Filters, skip: bool) -> None:
        self.module = module
        self.filters = filters
        self.ctx = Context(skip, self._named, self._enum_name, self._error_name)
        self.file = getattr(module, "__file__", None) or module.__name__
        self.service_name = module.__name__.rsplit(".", 1)[-1]
        self.names: dict[object, str] = {}  # class (or the module, for the service) -> decl name
        self.by_name: dict[str, object] = {}
        self.seen: dict[object, int] = {}  # registration order, for types from other files
        self.queue: list[type] = []
        self.built: dict[object, ugm.Decl] = {}
        self.roots: list[object] = []
        self.surface: set[object] = set()

    # ---------------------------------------------------------------- the run

    def run(self, version: str | None) -> Export:
        resolved_version, found = resolve_version(self.module, version, self.file)
        if resolved_version != found:
            self.ctx.note(
                self.module.__name__,
                f"version {found!r} is written as the semantic version {resolved_version!r}",
                Location(self.file),
            )
        entries = public_names(
            self.ctx, self.module, self.ctx.source.module_assignment(self.file, "__all__")
        )
        self.surface = {obj for _, obj in entries}
        functions = [(n, o) for n, o in entries if is_function(o)]

        service_at = next((i for i, (_, o) in enumerate(entries) if is_function(o)), -1)
        for i, (name, obj) in enumerate(entries):
            if i == service_at and self._service_selected(functions):
                try:
                    self._register_root(self.module, self.service_name)
                except TypeProblem as e:
                    # The class that took the module's name is what the user can rename.
                    other = self.by_name.get(self.service_name)
                    where = other if inspect.isclass(other) else obj
                    member = getattr(where, "__qualname__", name)
                    self.ctx.problem(member, str(e), self.ctx.source.locate(where))
            try:
                if inspect.isclass(obj) and self._root_class_selected(name, obj):
                    self._register_root(obj, name)
            except TypeProblem as e:
                self.ctx.problem(name, str(e), self.ctx.source.locate(obj))
        if self.module in self.names:
            service = self._service(functions)
            if service is not None:
                self.built[self.module] = service
        while self.queue:
            cls = self.queue.pop(0)
            decl = self._decl(cls, self.names[cls])
            if decl is not None:
                self.built[cls] = decl
        for pattern in self.filters.unused():
            self.ctx.problem(
                pattern, f"the pattern {pattern!r} matches nothing", Location(self.file)
            )

        if not MODULE_NAME_RE.match(self.module.__name__):
            self.ctx.problem(
                self.module.__name__,
                "the module name is not an IDL module name (ASCII identifiers joined by dots); "
                "rename the module or its file",
                Location(self.file),
            )
        for obj, decl in list(self.built.items()):
            checked = check_decl(decl, self.ctx, self.ctx.source.locate(obj))
            if checked is None:
                del self.built[obj]
            else:
                self.built[obj] = checked
        problems = sorted(self.ctx.problems, key=_problem_order)
        if problems and not self.ctx.skip_unsupported:
            raise ExportError(problems)
        warnings = [*self.ctx.notes, *problems]
        refused = list(problems)
        if self.ctx.skip_unsupported:
            before = {n for d in self.built.values() for n in member_names(d, self.service_name)}
            pruned = prune(self.built, self.names, self.roots, self.ctx)
            warnings += pruned
            after = {n for d in self.built.values() for n in member_names(d, self.service_name)}
            why = {p.member: p for p in pruned}
            for lost in sorted(before - after):
                note = why.get(lost.split(".")[0]) or why.get(lost)
                refused.append(
                    Problem(
                        lost,
                        f"it uses a declaration that was left out ({note.message})"
                        if note
                        else "it uses a declaration that was left out",
                        note.file if note else self.file,
                        note.line if note else 0,
                    )
                )
        kept = reachable(self.built, self.names, self.roots)
        decls = sorted(kept, key=self._order)
        ugm_module = ugm.Module(
            self.module.__name__,
            resolved_version,
            tuple(self.built[o] for o in decls),
            clean(self.module.__doc__),
        )
        objects = {self.names[o]: o for o in decls}
        return Export(ugm_module, tuple(warnings), types.MappingProxyType(objects), tuple(refused))

    def _order(self, obj: object) -> tuple[int, int, int]:
        if obj is self.module:
            lines = [self._own_line(f) for f in _service_functions(self.built[obj], self.module)]
            own = [line for line in lines if line is not None]
            if own:
                return (0, min(own), 0)
        else:
            line = self._own_line(obj)
            if line is not None:
                return (0, line, 0)
        return (1, self.seen[obj], 0)

    def _own_line(self, obj: object) -> int | None:
        if obj is None or self.ctx.source.file_of(obj) != self.file:
            return None
        line = self.ctx.source.locate(obj).line
        return line if line > 0 else None

    # ---------------------------------------------------------------- selection and naming

    def _root_class_selected(self, name: str, cls: type) -> bool:
        f = self.filters
        if f.types:
            return f.type_named(name)
        if f.methods:
            # Only classes with a selected member; data types come in when something uses them.
            kind = kind_of(cls)
            return kind == "class" and any(
                f.method_selected(name, m) for m in vars(cls) if not m.startswith("_")
            )
        return True

    def _service_selected(self, functions: list[tuple[str, Any]]) -> bool:
        f = self.filters
        if f.types and not f.type_named(self.service_name):
            return False
        if f.methods:
            return any(f.method_selected(self.service_name, n) for n, _ in functions)
        return True

    def _register_root(self, obj: object, name: str) -> None:
        self._register(obj, name)
        self.roots.append(obj)

    def _register(self, obj: object, name: str) -> str:
        if obj in self.names:
            return self.names[obj]
        other = self.by_name.get(name)
        if other is not None:
            raise TypeProblem(
                f"two declarations would be named `{name}`: {_spell(other)} and {_spell(obj)}; "
                "rename one (names are unique across a module's declarations)"
            )
        self.names[obj] = name
        self.by_name[name] = obj
        self.seen[obj] = len(self.seen)
        if isinstance(obj, type):
            self.queue.append(obj)
        return name

    def _named(self, cls: type) -> str:
        """The declaration name for a class used in a signature, pulling it in if needed."""
        if cls in self.names:
            return self.names[cls]
        if cls.__module__ == "builtins":
            hint = "; use bytes" if cls in (bytearray, memoryview) else ""
            raise TypeProblem(
                f"the built-in type `{cls.__qualname__}` has no IDL counterpart{hint}"
            )
        if cls.__name__.startswith("_"):
            raise TypeProblem(
                f"`{describe(cls)}` is private (leading underscore) but used by the public "
                "surface; make it public"
            )
        kind = kind_of(cls)
        if kind == "class" and not (
            is_own(self.module, cls) or cls in self.surface or is_sibling(self.module, cls)
        ):
            raise TypeProblem(
                f"`{describe(cls)}` is not a record, enum or class this module exports, so its "
                "values cannot cross the wire; return a record (a dataclass) with the data "
                "callers need, or list the class in `__all__` to export it as a remote class"
            )
        return self._register(cls, cls.__name__)

    def _enum_name(self, cls: type) -> str | None:
        name = self.names.get(cls)
        return name if name is not None and issubclass(cls, enum.Enum) else None

    def _error_name(self, exc: type) -> str | None:
        """The error declaration for an exception named in a Raises section; None for built-in
        and standard-library exceptions, which reach callers as generic remote errors."""
        if exc.__module__ == "builtins" or is_stdlib(exc):
            return None
        if exc.__name__.startswith("_"):
            raise_problem = f"`{describe(exc)}` is private; make it public to document it"
            self.ctx.problem(exc.__name__, raise_problem, self.ctx.source.locate(exc))
            return None
        try:
            return self._register(exc, self.names.get(exc, exc.__name__))
        except TypeProblem as e:
            self.ctx.problem(exc.__name__, str(e), self.ctx.source.locate(exc))
            return None

    # ---------------------------------------------------------------- declarations

    def _decl(self, cls: type, name: str) -> ugm.Decl | None:
        kind = kind_of(cls)
        if kind == "enum":
            return self._enum(cls, name)
        if kind == "error":
            return error_decl(self, cls, name)
        if kind == "record":
            return self._record(cls, name)
        return build_class(self.ctx, self.filters, cls, name)

    def _enum(self, cls: type[enum.Enum], name: str) -> ugm.Enum | None:
        ctx, failed = self.ctx, False
        if issubclass(cls, enum.Flag):
            ctx.problem(
                name,
                "it is a flag enum whose values combine; the IDL enum holds one member, so use "
                "a plain enum (and `list[...]` of it where several apply)",
                ctx.source.locate(cls),
            )
            return None
        docs = ctx.source.attribute_docs(cls)
        members: list[ugm.EnumMember] = []
        kinds: set[type] = set()
        for member_name, member in cls.__members__.items():
            where = ctx.source.class_member(cls, member_name)
            if member.name != member_name:
                ctx.note(
                    f"{name}.{member_name}",
                    f"an alias of {name}.{member.name}; callers see the canonical name only",
                    where,
                )
                continue
            value = member.value
            if isinstance(value, bool) or not isinstance(value, int | str):
                ctx.problem(
                    f"{name}.{member_name}",
                    f"its value {value!r} is a {type(value).__qualname__}; enum values must be "
                    "all int or all str (IntEnum, StrEnum), since the value is what is sent",
                    where,
                )
                failed = True
                continue
            if isinstance(value, int) and not -(2**63) <= value < 2**63:
                ctx.problem(
                    f"{name}.{member_name}",
                    f"its value {value} does not fit in 64 bits, as the wire's int does",
                    where,
                )
                failed = True
                continue
            kinds.add(int if isinstance(value, int) else str)
            members.append(ugm.EnumMember(member_name, value, docs.get(member_name)))
        if not members and not failed:
            ctx.problem(name, "it has no members to send", ctx.source.locate(cls))
            failed = True
        if len(kinds) > 1:
            ctx.problem(
                name,
                "it mixes int and str values; use one kind of value for all members",
                ctx.source.locate(cls),
            )
            failed = True
        if failed:
            return None
        return ugm.Enum(name, tuple(members), class_doc(cls), _callables.annotations_of(cls))

    def _record(self, cls: type, name: str) -> ugm.Record | None:
        kind = flavour(cls)
        assert kind is not None
        docs = self.ctx.source.attribute_docs(cls)
        fields: list[ugm.Field] = []
        failed = False
        for raw in raw_fields(cls, kind):
            member = f"{name}.{raw.name}"
            where = self.ctx.source.class_member(raw.declared_in, raw.name)
            field = self._field(
                raw.name,
                raw.hint,
                raw.default,
                raw.factory,
                raw.refusal,
                member,
                cls,
                where,
                docs.get(raw.name) or raw.doc,
            )
            if field is None:
                failed = True
            else:
                fields.append(field)
        if failed:
            return None
        return ugm.Record(name, tuple(fields), class_doc(cls), _callables.annotations_of(cls))

    def _field(
        self,
        name: str,
        hint: Any,
        default: object,
        factory: Any,
        refusal: str | None,
        member: str,
        owner: type,
        where: Location,
        doc: str | None,
    ) -> ugm.Field | None:
        ctx = self.ctx
        if refusal is not None:
            ctx.problem(member, f"field `{name}` cannot be exported: {refusal}", where)
            return None
        if name.startswith("_"):
            ctx.problem(
                member,
                f"field `{name}` is private, but a record is sent whole; make it public or move it "
                "out of the record",
                where,
            )
            return None
        if hint is None:
            ctx.problem(member, f"field `{name}` has no type annotation; annotate it", where)
            return None
        if isinstance(hint, HintError):
            ctx.problem(member, f"field `{name}`: {hint}", where)
            return None
        try:
            t = map_type(hint, owner=owner, named=self._named)
        except TypeProblem as e:
            ctx.problem(member, f"field `{name}`: {e}", where)
            return None
        problem = field_type_problem(t, self.by_name)
        if problem is not None:
            ctx.problem(member, f"field `{name}`: {problem}", where)
            return None
        value: ugm.Value | None = None
        try:
            if factory is not None:
                value = _factory_literal(factory, t)
            elif default is not NO_DEFAULT:
                value = literal(default, t, self._enum_name)
        except TypeProblem as e:
            ctx.problem(member, f"field `{name}`: {e}", where)
            return None
        return ugm.Field(name, t, value, doc)

    def _service(self, functions: list[tuple[str, Any]]) -> ugm.Service | None:
        methods = []
        for name, fn in functions:
            if not self.filters.method_selected(self.service_name, name):
                continue
            m = _callables.function(
                self.ctx,
                fn,
                name=name,
                member=f"{self.service_name}.{name}",
                owner=None,
                drop_first=False,
                static=False,
            )
            if m is not None:
                methods.append((fn, m))
        methods.sort(key=lambda x: self._member_order(x[0]))
        return ugm.Service(self.service_name, tuple(m for _, m in methods))

    def _member_order(self, fn: Any) -> tuple[int, int]:
        line = self._own_line(fn)
        return (0, line) if line is not None else (1, 0)


# -------------------------------------------------------------------- helpers


def _problem_order(p: Problem) -> tuple[str, int, int, str]:
    return (p.file, p.line, p.column, p.member)


def _spell(obj: object) -> str:
    if isinstance(obj, types.ModuleType):
        return f"the service of module {obj.__name__}"
    if isinstance(obj, type):
        return f"`{obj.__module__}.{obj.__qualname__}`"
    return repr(obj)


def _factory_literal(factory: Any, t: ugm.TypeRef) -> ugm.Value:
    """`field(default_factory=list)` and friends: the empty collection they make."""
    inner = t.inner if isinstance(t, ugm.Optional) else t
    if factory in (list, tuple, set, frozenset) and isinstance(inner, ugm.ListOf):
        return ugm.ListLit(())
    if factory is dict and isinstance(inner, ugm.MapOf):
        return ugm.MapLit(())
    raise TypeProblem(
        f"the default factory {getattr(factory, '__qualname__', factory)!r} has no IDL literal "
        "(only list, tuple, set and dict factories do); make the field `T | None = None`"
    )


def _service_functions(service: ugm.Decl, module: types.ModuleType) -> list[Any]:
    if not isinstance(service, ugm.Service):
        return []
    return [getattr(module, m.name, None) for m in service.methods]
