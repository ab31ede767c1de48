"""UGM -> the Python intermediate model (`model.py`).

All decisions live here: Python names and their escaping, annotations, default expressions,
wire conversions and the imports each file needs. Bad input (two names colliding after
escaping, a record holding a class instance, ...) becomes diagnostics with positions.
"""

from __future__ import annotations

import datetime as dt
import keyword
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from graftcode_runtime import ugm

from graftc import __version__
from graftc.devserver.naming import VersionError, python_version
from graftc.diagnostics import Diagnostic, DiagnosticError, at
from graftc.targets.python import model as m
from graftc.targets.python import naming

RUNTIME_REQUIREMENT = "graftcode-runtime>=0.1,<0.2"
ERROR_RESERVED = frozenset({"message", "args", "with_traceback", "add_note", "self"})
_FROM_WIRE_PRIMITIVE = {
    "bool": "as_bool",
    "int": "as_int",
    "float": "as_float",
    "str": "as_str",
    "bytes": "as_bytes",
    "none": "as_none",
    "date": "as_date",
    "datetime": "as_datetime",
    "time": "as_time",
    "decimal": "as_decimal",
    "uuid": "as_uuid",
}


@dataclass(frozen=True)
class _Where:
    """Where an expression is rendered: which file (for imports), sync or async, and the
    expression that names the channel (needed to wrap class instances)."""

    imports: m.Imports
    in_convert: bool = False
    asynchronous: bool = False
    channel: str = "self._ch"


class Lowerer:
    def __init__(
        self,
        module: ugm.Module,
        *,
        package_name: str | None,
        default_url: str | None,
        source: str | None,
        source_file: str,
    ) -> None:
        self.module = module
        self.source = source
        self.file = source_file or (module.span.file if module.span else "") or module.name
        self.diagnostics: list[Diagnostic] = []
        self.import_name = package_name or naming.import_name(module.name)
        self.default_url = default_url
        self.decls = {d.name: d for d in module.decls}
        self.py: dict[str, str] = {}  # decl name -> Python class name (sync)
        self.async_py: dict[str, str] = {}  # class name -> async proxy name
        self.files = {
            name: m.Imports()
            for name in ("__init__", "_types", "_errors", "_convert", "_client", "_binding")
        }

    # ---------------------------------------------------------------------------------------
    # diagnostics

    def error(self, node: object, message: str) -> None:
        span = getattr(node, "span", None)
        line, col = (span.line, span.column) if isinstance(span, ugm.Span) else (0, 0)
        file = (span.file if isinstance(span, ugm.Span) and span.file else "") or self.file
        self.diagnostics.append(at(file, self.text_of(file), line, col, message))

    def text_of(self, file: str) -> str | None:
        """The text a diagnostic points into: the IDL given, or (for a module exported on the
        fly) the Python file a span names."""
        if file == self.file and self.source is not None:
            return self.source
        try:
            return Path(file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    def scope(self, what: str) -> naming.Scope:
        return naming.Scope(what, self.file, self.source, self.text_of)

    def merge(self, scope: naming.Scope) -> None:
        self.diagnostics.extend(scope.errors)

    # ---------------------------------------------------------------------------------------
    # entry point

    def lower(self) -> m.Package:
        mod = self.module
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*", mod.name):
            self.error(mod, f"module name {mod.name!r} cannot name a Python package")
        try:
            self.package_version = python_version(mod.version, 0)
        except VersionError as e:
            self.package_version = mod.version
            self.error(mod, str(e))
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", self.import_name) or keyword.iskeyword(
            self.import_name
        ):
            # a keyword is a valid directory name, but `import class` is a syntax error
            self.error(mod, f"--package-name {self.import_name!r} is not a Python identifier")
        self._name_declarations()
        enums = tuple(self.enum(d) for d in mod.enums)
        records = tuple(self.record(d) for d in mod.records)
        errors = tuple(self.error_def(d) for d in self._errors_in_base_order())
        services = tuple(self.service(d) for d in mod.services)
        classes = tuple(self.class_def(d) for d in mod.classes)
        if self.diagnostics:
            raise DiagnosticError(sorted(self.diagnostics, key=_order))
        return self._package(enums, records, errors, services, classes)

    def _name_declarations(self) -> None:
        scope = self.scope(f"module {self.module.name}")
        for d in self.module.decls:
            py = naming.escape(d.name, naming.MODULE_RESERVED)
            if isinstance(d, ugm.Service):
                # a service is a client class plus a default instance named like the service
                scope.claim(py, d.name, d.span)
                client = naming.pascal(d.name) + "Client"
                scope.claim(client, f"{d.name} (its client class)", d.span)
                scope.claim("Async" + client, f"{d.name} (its async client class)", d.span)
                self.py[d.name] = client
                continue
            self.py[d.name] = scope.claim(py, d.name, d.span)
            if isinstance(d, ugm.Class):
                self.async_py[d.name] = scope.claim(
                    "Async" + py, f"{d.name} (its async proxy)", d.span
                )
            if isinstance(d, ugm.Record):
                fn = naming.snake(py)
                scope.claim(f"{fn}_from_wire", f"{d.name} (its converter)", d.span)
                scope.claim(f"{fn}_to_wire", f"{d.name} (its converter)", d.span)
        self.merge(scope)

    def _errors_in_base_order(self) -> list[ugm.Error]:
        # a Python class must come after its base, whatever the IDL order
        done: list[ugm.Error] = []
        pending = list(self.module.errors)
        names = {e.name for e in pending}
        while pending:
            ready = [
                e
                for e in pending
                if e.base is None or e.base not in names or any(x.name == e.base for x in done)
            ]
            if not ready:
                for e in pending:
                    self.error(e, f"error {e.name!r} extends itself through its bases")
                break
            for e in ready:
                done.append(e)
                pending.remove(e)
        return done

    # ---------------------------------------------------------------------------------------
    # docs and annotations

    def doc(self, text: str | None, extra: Sequence[str] = ()) -> m.Doc:
        lines = [*(text.strip().splitlines() if text and text.strip() else [])]
        if extra:
            if lines:
                lines.append("")
            lines.extend(extra)
        return m.Doc(tuple(_docline(x) for x in lines))

    def deprecated(
        self, node: object, imports: m.Imports, what: str, *, warns: bool = True
    ) -> str | None:
        """The arguments of `@deprecated(...)`. Types get `category=None`: type checkers still
        flag their use, but decoding a value the gateway sent must not warn at run time."""
        reason = ugm.deprecation(node)
        if reason is None:
            return None
        imports.third("typing_extensions", "deprecated")
        text = _str(reason or f"{what} is deprecated")
        return text if warns else f"{text}, category=None"

    # ---------------------------------------------------------------------------------------
    # types

    def annotation(self, t: ugm.TypeRef, w: _Where, param: bool = False) -> str:
        if isinstance(t, ugm.Primitive):
            if t.name in ("date", "datetime", "time"):
                w.imports.std("datetime")
                return f"datetime.{t.name}"
            if t.name == "decimal":
                w.imports.std("decimal")
                return "decimal.Decimal"
            if t.name == "uuid":
                w.imports.std("uuid")
                return "uuid.UUID"
            return "None" if t.name == "none" else t.name
        if isinstance(t, ugm.Optional):
            return f"{self.annotation(t.inner, w, param)} | None"
        if isinstance(t, ugm.ListOf):
            item = self.annotation(t.item, w, param)
            if param:
                w.imports.std("collections.abc", "Sequence")
                return f"Sequence[{item}]"
            return f"list[{item}]"
        if isinstance(t, ugm.MapOf):
            k, v = self.annotation(t.key, w, param), self.annotation(t.value, w, param)
            if param:
                w.imports.std("collections.abc", "Mapping")
                return f"Mapping[{k}, {v}]"
            return f"dict[{k}, {v}]"
        return self.named(t, w)

    def named(self, t: ugm.Named, w: _Where) -> str:
        d = self.decls.get(t.name)
        if d is None or isinstance(d, ugm.Service):
            self.error(t, f"unknown type {t.name!r}")
            return "object"
        if isinstance(d, ugm.Class):
            name = self.async_py[d.name] if w.asynchronous else self.py[d.name]
            if w.imports is not self.files["_client"]:
                self.error(
                    t,
                    f"{t.name!r} is a class: the Python target passes class instances only as "
                    "parameters and results, not inside records or errors",
                )
            return name
        if isinstance(d, ugm.Error):
            self.error(t, f"{t.name!r} is an error type; it cannot be used as a value")
            return "object"
        module = "._types"
        if w.imports is not self.files["_types"]:
            w.imports.rel(module, self.py[d.name])
        return self.py[d.name]

    def from_wire(self, t: ugm.TypeRef, src: str, w: _Where, depth: int = 0) -> str:
        x = f"x{depth}"
        if isinstance(t, ugm.Primitive):
            return f"{self._wire(w)}.{_FROM_WIRE_PRIMITIVE[t.name]}({src})"
        if isinstance(t, ugm.Optional):
            inner = self.from_wire(t.inner, x, w, depth + 1)
            fn = (
                inner[: -len(f"({x})")]
                if inner.endswith(f"({x})") and "(" not in inner[: -len(f"({x})")]
                else None
            )
            return f"{self._wire(w)}.optional({src}, {fn or f'lambda {x}: {inner}'})"
        if isinstance(t, ugm.ListOf):
            item = self.from_wire(t.item, x, w, depth + 1)
            return f"[{item} for {x} in {self._wire(w)}.as_list({src})]"
        if isinstance(t, ugm.MapOf):
            k, v = f"k{depth}", f"v{depth}"
            key = self.from_wire(t.key, k, w, depth + 1)
            value = self.from_wire(t.value, v, w, depth + 1)
            return f"{{{key}: {value} for {k}, {v} in {self._wire(w)}.as_map({src}).items()}}"
        d = self.decls.get(t.name)
        name = self.named(t, w)
        if isinstance(d, ugm.Enum):
            return f"{self._wire(w)}.as_enum({name}, {src})"
        if isinstance(d, ugm.Record):
            return f"{self._convert(w)}{naming.snake(name)}_from_wire({src})"
        if isinstance(d, ugm.Class):
            return f"{name}._from_wire({w.channel}, {src})"
        return src

    def to_wire(self, t: ugm.TypeRef, src: str, w: _Where, depth: int = 0) -> str:
        x = f"x{depth}"
        if isinstance(t, ugm.Primitive):
            if t.name == "float":
                return f"float({src})"
            if t.name in ("date", "datetime", "time"):
                return f"{src}.isoformat()"
            if t.name in ("decimal", "uuid"):
                return f"str({src})"
            if t.name == "bytes":
                return f"bytes({src})"
            return src
        if isinstance(t, ugm.Optional):
            inner = self.to_wire(t.inner, src, w, depth)
            return src if inner == src else f"None if {src} is None else {inner}"
        if isinstance(t, ugm.ListOf):
            item = self.to_wire(t.item, x, w, depth + 1)
            return f"list({src})" if item == x else f"[{item} for {x} in {src}]"
        if isinstance(t, ugm.MapOf):
            k, v = f"k{depth}", f"v{depth}"
            key, value = (
                self.to_wire(t.key, k, w, depth + 1),
                self.to_wire(t.value, v, w, depth + 1),
            )
            if key == k and value == v:
                return f"dict({src})"
            return f"{{{key}: {value} for {k}, {v} in {src}.items()}}"
        d = self.decls.get(t.name)
        name = self.named(t, w)
        if isinstance(d, ugm.Enum):
            return f"{src}.value"
        if isinstance(d, ugm.Record):
            return f"{self._convert(w)}{naming.snake(name)}_to_wire({src})"
        if isinstance(d, ugm.Class):
            return f"{src}._to_wire()"
        return src

    def _wire(self, w: _Where) -> str:
        w.imports.third("graftcode_runtime.binding", "wire")
        return "wire"

    def _convert(self, w: _Where) -> str:
        if w.in_convert:
            return ""
        w.imports.rel(".", "_convert")
        return "_convert."

    # ---------------------------------------------------------------------------------------
    # literal values

    def literal(self, v: ugm.Value, t: ugm.TypeRef, w: _Where, param: bool = False) -> str:
        """A Python expression for default `v` of type `t` (a fresh value each evaluation)."""
        inner = t.inner if isinstance(t, ugm.Optional) else t
        if isinstance(v, ugm.NoneLit):
            return "None"
        if isinstance(v, ugm.BoolLit):
            return "True" if v.value else "False"
        if isinstance(v, ugm.IntLit):
            if isinstance(inner, ugm.Primitive) and inner.name == "float":
                return repr(float(v.value))
            if isinstance(inner, ugm.Primitive) and inner.name == "decimal":
                w.imports.std("decimal")
                return f'decimal.Decimal("{v.value}")'
            return repr(v.value)
        if isinstance(v, ugm.FloatLit):
            if isinstance(inner, ugm.Primitive) and inner.name == "decimal":
                w.imports.std("decimal")
                return f'decimal.Decimal("{v.value!r}")'
            return repr(v.value)
        if isinstance(v, ugm.StrLit):
            return self._string_literal(v, inner, w)
        if isinstance(v, ugm.BytesLit):
            return repr(v.value)
        if isinstance(v, ugm.ListLit):
            item_t = inner.item if isinstance(inner, ugm.ListOf) else ugm.Primitive("str")
            items = [self.literal(i, item_t, w, param) for i in v.items]
            if param:
                return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
            return "[" + ", ".join(items) + "]"
        if isinstance(v, ugm.MapLit):
            kt, vt = (
                (inner.key, inner.value)
                if isinstance(inner, ugm.MapOf)
                else (ugm.Primitive("str"), ugm.Primitive("str"))
            )
            body = ", ".join(
                f"{self.literal(k, kt, w)}: {self.literal(x, vt, w, param)}" for k, x in v.items
            )
            if param:
                w.imports.std("types", "MappingProxyType")
                return f"MappingProxyType({{{body}}})"
            return "{" + body + "}"
        enum = self.decls.get(v.enum)
        if not isinstance(enum, ugm.Enum) or not any(x.name == v.member for x in enum.members):
            self.error(v, f"unknown enum member {v.enum}.{v.member}")
            return "None"
        if w.imports is not self.files["_types"]:
            w.imports.rel("._types", self.py[enum.name])
        return f"{self.py[enum.name]}.{naming.attribute(v.member, naming.ENUM_RESERVED)}"

    def _string_literal(self, v: ugm.StrLit, t: ugm.TypeRef, w: _Where) -> str:
        if not isinstance(t, ugm.Primitive) or t.name == "str":
            return _str(v.value)
        try:
            if t.name == "decimal":
                w.imports.std("decimal")
                return f"decimal.Decimal({_str(v.value)})"
            if t.name == "uuid":
                u = uuid.UUID(v.value)
                w.imports.std("uuid")
                # a module-level constant: linters flag a uuid.UUID(...) call as a default
                return w.imports.constant(f"_UUID_{u.hex.upper()}", f"uuid.UUID({_str(str(u))})")
            if t.name in ("date", "datetime", "time"):
                w.imports.std("datetime")
                return _datetime_literal(getattr(dt, t.name).fromisoformat(v.value))
        except ValueError:
            self.error(v, f"{v.value!r} is not a valid {t.name}")
        return _str(v.value)

    # ---------------------------------------------------------------------------------------
    # declarations

    def enum(self, d: ugm.Enum) -> m.EnumDef:
        w = _Where(self.files["_types"])
        w.imports.std("enum")
        kinds = {type(x.value) for x in d.members}
        base = (
            "enum.IntEnum" if kinds == {int} else "enum.StrEnum" if kinds == {str} else "enum.Enum"
        )
        scope = self.scope(f"enum {d.name}")
        members = tuple(
            m.EnumMember(
                scope.claim(naming.attribute(x.name, naming.ENUM_RESERVED), x.name, x.span),
                repr(x.value),
                self.doc(x.doc),
            )
            for x in d.members
        )
        self.merge(scope)
        return m.EnumDef(
            self.py[d.name],
            base,
            members,
            self.doc(d.doc),
            self.deprecated(d, w.imports, d.name, warns=False),
        )

    def fields(
        self,
        fields: Sequence[ugm.Field],
        scope: naming.Scope,
        w: _Where,
        reserved: frozenset[str],
        reader: str = "_convert",
    ) -> tuple[m.FieldDef, ...]:
        """Fields of a record (`reader` `_convert`) or an error (`_errors`): the declaration in
        `w`'s file and the conversions in the reader's."""
        out: list[m.FieldDef] = []
        for f in fields:
            spell = naming.escape if reader == "_errors" else naming.attribute
            name = scope.claim(spell(f.name, reserved), f.name, f.span)
            ann = self.annotation(f.type, w)
            conv = _Where(self.files[reader], reader == "_convert")
            if f.default is None:
                declaration = ""
                src = f"{self._wire(conv)}.field(m, {_str(f.name)}, {_str(scope.what)})"
                from_w = self.from_wire(f.type, src, conv)
            else:
                from_w = self.from_wire(f.type, f"m[{_str(f.name)}]", conv)
                value = self.literal(f.default, f.type, w)
                fresh = self.literal(f.default, f.type, conv)
                if isinstance(f.default, ugm.ListLit | ugm.MapLit):
                    w.imports.std("dataclasses", "field")
                    empty = not f.default.items
                    factory = (
                        ("list" if isinstance(f.default, ugm.ListLit) else "dict")
                        if empty
                        else f"lambda: {value}"
                    )
                    declaration = f" = field(default_factory={factory})"
                else:
                    declaration = f" = {value}"
                from_w = f"{from_w} if {_str(f.name)} in m else {fresh}"
            out.append(
                m.FieldDef(
                    name=name,
                    wire_name=f.name,
                    annotation=ann,
                    declaration=declaration,
                    from_wire=from_w,
                    to_wire=self.to_wire(f.type, f"v.{name}", conv),
                    doc=self.doc(f.doc),
                )
            )
        return tuple(out)

    def record(self, d: ugm.Record) -> m.RecordDef:
        w = _Where(self.files["_types"])
        w.imports.std("dataclasses", "dataclass")
        scope = self.scope(f"record {d.name}")
        fields = self.fields(d.fields, scope, w, frozenset())
        self.merge(scope)
        seen_default = False
        kw_only = False
        for f in d.fields:
            if f.default is not None:
                seen_default = True
            elif seen_default:
                kw_only = True
        py = self.py[d.name]
        self.files["_convert"].rel("._types", py)
        return m.RecordDef(
            py,
            d.name,
            fields,
            kw_only,
            self.doc(d.doc),
            self.deprecated(d, w.imports, d.name, warns=False),
            f"{naming.snake(py)}_from_wire",
            f"{naming.snake(py)}_to_wire",
        )

    def error_def(self, d: ugm.Error) -> m.ErrorDef:
        w = _Where(self.files["_errors"])
        chain: list[ugm.Error] = []
        base = d.base
        while base is not None:
            b = self.decls.get(base)
            if not isinstance(b, ugm.Error) or b in chain or b is d:
                if not isinstance(b, ugm.Error):
                    self.error(d, f"error {d.name!r} extends {base!r}, which is not an error")
                break
            chain.insert(0, b)
            base = b.base
        inherited_names: set[str] = set()
        inherited: list[ugm.Field] = []
        for b in chain:
            for f in b.fields:
                if f.name not in inherited_names:
                    inherited_names.add(f.name)
                    inherited.append(f)
        own = [f for f in d.fields if f.name not in inherited_names]
        scope = self.scope(f"error {d.name}")
        base_fields = self.fields(inherited, scope, w, ERROR_RESERVED, "_errors")
        own_fields = self.fields(own, scope, w, ERROR_RESERVED, "_errors")
        self.merge(scope)
        all_fields = (*base_fields, *own_fields)
        ugm_fields = (*inherited, *own)
        params = []
        keyword_only = any(
            f.default is None and any(g.default is not None for g in ugm_fields[:i])
            for i, f in enumerate(ugm_fields)
        )
        for f, pf in zip(ugm_fields, all_fields, strict=True):
            default = "" if f.default is None else f" = {self._error_default(f, w)}"
            params.append(f"{pf.name}: {pf.annotation}{default}")
        message = 'message: str = ""'
        if keyword_only or not params:
            init = ", ".join(["*", *params, message])
        else:
            init = ", ".join([*params, "*", message])
        return m.ErrorDef(
            name=self.py[d.name],
            wire_name=d.name,
            base=self.py[d.base] if d.base and d.base in self.py else "Exception",
            fields=all_fields,
            own_fields=own_fields,
            base_fields=base_fields,
            init_params=init,
            doc=self.doc(d.doc),
            deprecated=self.deprecated(d, w.imports, d.name, warns=False),
        )

    def _error_default(self, f: ugm.Field, w: _Where) -> str:
        assert f.default is not None
        return self.literal(f.default, f.type, w, param=True)

    # ---------------------------------------------------------------------------------------
    # callables

    def method(
        self,
        name: str,
        wire_name: str,
        params: Sequence[ugm.Param],
        returns: ugm.TypeRef,
        raises: Sequence[str],
        node: object,
        doc: str | None,
        *,
        kind: str,
        target: str,
        w: _Where,
        head: str,
        instance: str | None,
        channel_param: str | None = None,
        channel_position: str = "last",
    ) -> m.MethodDef:
        """One callable. `head` is `self`/`cls`/"" (static); `channel_param` is the annotation of
        an extra `_channel` parameter, put first (positional-only) or last (keyword-only)."""
        scope = self.scope(f"the parameters of {target}.{wire_name}" if wire_name else target)
        scope.claim("_channel", "_channel", None)
        parts: list[str] = []
        args: list[str] = []
        kwargs: list[str] = []
        kind_of = [p.kind for p in params]
        saw_default = False
        for i, p in enumerate(params):
            py = scope.claim(naming.escape(p.name, naming.PARAM_RESERVED), p.name, p.span)
            ann = self.annotation(p.type, w, param=True)
            text = f"{py}: {ann}"
            if p.default is not None:
                text += f" = {self.literal(p.default, p.type, w, param=True)}"
                saw_default = saw_default or p.kind != "keyword"
            elif saw_default and p.kind != "keyword":
                self.error(p, f"parameter {p.name!r} without a default follows one with a default")
            if p.kind == "keyword" and (i == 0 or kind_of[i - 1] != "keyword"):
                parts.append("*")
            parts.append(text)
            if p.kind == "positional" and (i + 1 == len(params) or kind_of[i + 1] != "positional"):
                parts.append("/")
            wire = self.to_wire(p.type, py, w)
            if p.kind == "positional":
                args.append(wire)
            else:
                kwargs.append(f"{_str(p.name)}: {wire}")
        self.merge(scope)
        if channel_param is not None:
            if channel_position == "first":
                if "/" in parts:
                    parts.insert(0, f"_channel: {channel_param}")
                else:
                    parts[:0] = [f"_channel: {channel_param}", "/"]
            else:
                if "*" not in parts:
                    parts.append("*")
                parts.append(f"_channel: {channel_param} | None = None")
        signature = ", ".join(([head] if head else []) + parts)
        result_type = self.annotation(returns, w)
        is_none = isinstance(returns, ugm.Primitive) and returns.name == "none"
        result = "" if is_none else self.from_wire(returns, "w", w)
        raise_lines: list[str] = []
        if raises and "Raises:" not in (doc or ""):
            raise_lines = ["Raises:"] + [
                f"    {self.py.get(r, r)}: raised by the remote {wire_name or target}."
                for r in raises
            ]
        call = [_str(kind), _str(target), _str(wire_name)]
        if args or kwargs or instance:
            call.append("(" + ", ".join(args) + ("," if len(args) == 1 else "") + ")")
        if kwargs or instance:
            call.append("{" + ", ".join(kwargs) + "}")
        if instance:
            call.append(f"instance={instance}")
        return m.MethodDef(
            name=name,
            wire_name=wire_name,
            params=signature,
            returns=result_type,
            invoke=", ".join(call),
            result=result,
            doc=self.doc(doc, raise_lines),
            deprecated=self.deprecated(node, w.imports, name),
        )

    def service(self, d: ugm.Service) -> m.ServiceDef:
        imports = self.files["_client"]
        sync_w = _Where(imports)
        async_w = _Where(imports, asynchronous=True)
        scope = self.scope(f"service {d.name}")
        for r in naming.CLIENT_RESERVED:
            scope.claim(r, r, None)
        names = [
            scope.claim(naming.attribute(x.name, naming.CLIENT_RESERVED), x.name, x.span)
            for x in d.methods
        ]
        self.merge(scope)

        def lower(x: ugm.Method, py: str, w: _Where) -> m.MethodDef:
            return self.method(
                py,
                x.name,
                x.params,
                x.returns,
                x.raises,
                x,
                x.doc,
                kind="call",
                target=d.name,
                w=w,
                head="self",
                instance=None,
            )

        return m.ServiceDef(
            name=d.name,
            wire_name=d.name,
            client=self.py[d.name],
            async_client="Async" + self.py[d.name],
            instance=naming.escape(d.name, naming.MODULE_RESERVED),
            methods=tuple(lower(x, n, sync_w) for x, n in zip(d.methods, names, strict=True)),
            async_methods=tuple(
                lower(x, n, async_w) for x, n in zip(d.methods, names, strict=True)
            ),
            doc=self.doc(d.doc or f"The functions of the `{self.module.name}` module."),
            deprecated=self.deprecated(d, imports, d.name, warns=False),
        )

    def class_def(self, d: ugm.Class) -> m.ClassDef:
        imports = self.files["_client"]
        py, apy = self.py[d.name], self.async_py[d.name]
        scope = self.scope(f"class {d.name}")
        reserved = naming.SYNC_PROXY_RESERVED | naming.ASYNC_PROXY_RESERVED
        for r in reserved:
            scope.claim(r, r, None)
        member_names: dict[int, str] = {}
        members: list[ugm.Method | ugm.Property] = [*d.methods, *d.properties]
        for x in members:
            member_names[id(x)] = scope.claim(naming.attribute(x.name, reserved), x.name, x.span)
        for p in d.properties:
            if not p.readonly:
                scope.claim(f"set_{member_names[id(p)]}", f"{p.name} (its async setter)", p.span)
        self.merge(scope)

        def methods(asynchronous: bool, static: bool) -> tuple[m.MethodDef, ...]:
            w = _Where(imports, asynchronous=asynchronous, channel="ch" if static else "self._ch")
            out = []
            for x in d.methods:
                if x.static != static:
                    continue
                out.append(
                    self.method(
                        member_names[id(x)],
                        x.name,
                        x.params,
                        x.returns,
                        x.raises,
                        x,
                        x.doc,
                        kind="call",
                        target=d.name,
                        w=w,
                        head="" if static else "self",
                        instance=None if static else "self._live_id()",
                        channel_param=(
                            ("AsyncChannel" if asynchronous else "Channel") if static else None
                        ),
                        channel_position="first" if asynchronous else "last",
                    )
                )
            return tuple(out)

        def constructor(asynchronous: bool) -> m.MethodDef | None:
            c = d.constructor
            if c is None:
                return None
            w = _Where(imports, asynchronous=asynchronous, channel="ch")
            return self.method(
                "create" if asynchronous else "__init__",
                "",
                c.params,
                ugm.Primitive("none"),
                c.raises,
                c,
                c.doc,
                kind="new",
                target=d.name,
                w=w,
                head="cls" if asynchronous else "self",
                instance=None,
                channel_param="AsyncChannel" if asynchronous else "Channel",
                channel_position="first" if asynchronous else "last",
            )

        def properties(asynchronous: bool) -> tuple[m.PropertyDef, ...]:
            w = _Where(imports, asynchronous=asynchronous)
            out = []
            for p in d.properties:
                name = member_names[id(p)]
                out.append(
                    m.PropertyDef(
                        name=name,
                        wire_name=p.name,
                        annotation=self.annotation(p.type, w),
                        setter_name=f"set_{name}",
                        readonly=p.readonly,
                        result=self.from_wire(p.type, "w", w),
                        to_wire=self.to_wire(p.type, "value", w),
                        doc=self.doc(p.doc),
                        deprecated=self.deprecated(p, imports, p.name),
                    )
                )
            return tuple(out)

        if d.properties:
            imports.std("collections.abc", "Awaitable")
        return m.ClassDef(
            name=py,
            async_name=apy,
            wire_name=d.name,
            constructor=constructor(False),
            async_constructor=constructor(True),
            methods=methods(False, False),
            statics=methods(False, True),
            properties=properties(False),
            async_methods=methods(True, False),
            async_statics=methods(True, True),
            async_properties=properties(True),
            doc=self.doc(d.doc),
            deprecated=self.deprecated(d, imports, d.name, warns=False),
        )

    # ---------------------------------------------------------------------------------------
    # the package

    def _package(
        self,
        enums: tuple[m.EnumDef, ...],
        records: tuple[m.RecordDef, ...],
        errors: tuple[m.ErrorDef, ...],
        services: tuple[m.ServiceDef, ...],
        classes: tuple[m.ClassDef, ...],
    ) -> m.Package:
        mod = self.module
        f = self.files
        if errors:
            f["_errors"].third("graftcode_runtime", "RemoteError")
            f["_errors"].std("collections.abc", "Callable", "Mapping")
            f["_errors"].third("graftcode_runtime.binding", "wire")
        f["_binding"].third("graftcode_runtime.binding", "ModuleBinding", "Settings")
        f["_binding"].rel("._errors", "from_remote")
        if records:
            f["_convert"].third("graftcode_runtime.binding", "wire")
        if services:
            f["_client"].std("collections.abc", "Mapping")
        if services or any(c.constructor or c.statics for c in classes):
            f["_client"].third("graftcode_runtime.binding", "AsyncChannel", "Channel")
            f["_client"].rel("._binding", "binding")
        if classes:
            f["_client"].third("graftcode_runtime.binding", "AsyncProxy", "Proxy")
        exports: list[tuple[str, tuple[str, ...]]] = [
            (
                "._binding",
                (
                    "MODULE_NAME",
                    "MODULE_VERSION",
                    "SCHEMA_HASH",
                    "configure",
                    "connect",
                    "connect_async",
                    "settings",
                ),
            )
        ]
        types = tuple(x.name for x in enums) + tuple(x.name for x in records)
        if types:
            exports.append(("._types", types))
        if errors:
            exports.append(("._errors", tuple(x.name for x in errors)))
        client_names: list[str] = []
        for s in services:
            client_names += [s.client, s.async_client, s.instance]
        for c in classes:
            client_names += [c.name, c.async_name]
        if client_names:
            exports.append(("._client", tuple(client_names)))
        all_names = tuple(sorted((n for _, names in exports for n in names), key=m.all_key))
        for module, names in exports:
            f["__init__"].rel(module, *names)
        summary_doc = (mod.doc or "").strip().splitlines()
        summary = summary_doc[0] if summary_doc else f"Typed client for the {mod.name} module."
        return m.Package(
            module=mod.name,
            version=mod.version,
            package_version=self.package_version,
            distribution=naming.distribution_name(mod.name),
            import_name=self.import_name,
            runtime_requirement=RUNTIME_REQUIREMENT,
            generator=f"graftc {__version__}",
            schema_hash=ugm.schema_hash(mod),
            default_url=self.default_url,
            doc=self.doc(mod.doc),
            summary=summary.replace('"', "'"),
            enums=enums,
            records=records,
            errors=errors,
            services=services,
            classes=classes,
            exports=tuple(exports),
            all_names=all_names,
            files={
                name: m.FileDef(
                    name,
                    tuple(tuple(s) for s in imports.sections()),
                    tuple(sorted(imports.constants.items())),
                )
                for name, imports in f.items()
            },
        )


def _datetime_literal(v: dt.date | dt.time) -> str:
    """A constructor call (which linters know as immutable) for a date, datetime or time."""
    if isinstance(v, dt.datetime):
        args = [v.year, v.month, v.day, v.hour, v.minute, v.second, v.microsecond]
    elif isinstance(v, dt.date):
        args = [v.year, v.month, v.day]
    else:
        args = [v.hour, v.minute, v.second, v.microsecond]
    while len(args) > 3 and args[-1] == 0:
        args.pop()
    text = ", ".join(map(str, args))
    tz = v.tzinfo if isinstance(v, dt.datetime | dt.time) else None
    if tz is not None:
        offset = tz.utcoffset(None)
        if offset is not None and offset == dt.timedelta(0):
            text += ", tzinfo=datetime.UTC"
        elif offset is not None:
            seconds = int(offset.total_seconds())
            text += f", tzinfo=datetime.timezone(datetime.timedelta(seconds={seconds}))"
    kind = type(v).__name__
    return f"datetime.{kind}({text})"


def _str(s: str) -> str:
    """A double-quoted Python string literal (black's style, so formatting is a no-op)."""
    r = repr(s)
    if r.startswith("'") and '"' not in s:
        r = '"' + r[1:-1].replace("\\'", "'") + '"'
    return r


def _docline(line: str) -> str:
    return line.rstrip().replace("\\", "\\\\").replace('"""', '\\"\\"\\"')


def _order(d: Diagnostic) -> tuple[str, int, int]:
    return (d.file, d.line, d.column)


def lower(
    module: ugm.Module,
    *,
    package_name: str | None = None,
    default_url: str | None = None,
    source: str | None = None,
    source_file: str = "",
) -> m.Package:
    return Lowerer(
        module,
        package_name=package_name,
        default_url=default_url,
        source=source,
        source_file=source_file,
    ).lower()
