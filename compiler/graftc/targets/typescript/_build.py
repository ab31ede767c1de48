"""UGM -> the TypeScript model: names, types, descriptors, docs; checks what TS cannot express."""

from __future__ import annotations

import json
import math
import re

from graftcode_runtime import ugm

from graftc.diagnostics import Diagnostic, DiagnosticError, at

from . import _naming as n
from ._model import (
    Doc,
    TsClass,
    TsEnum,
    TsEnumMember,
    TsError,
    TsField,
    TsMethod,
    TsModule,
    TsParam,
    TsRecord,
    TsService,
)

_PRIM_OUT = {
    "bool": "boolean",
    "int": "number",
    "float": "number",
    "str": "string",
    "bytes": "Uint8Array",
    "none": "null",
    "date": "string",
    "datetime": "string",
    "time": "string",
    "decimal": "string",
    "uuid": "string",
}
# Callers may pass a Date where the IDL has a date or datetime; results stay ISO strings.
_PRIM_IN = {**_PRIM_OUT, "date": "string | Date", "datetime": "string | Date"}

# Names a proxy or service class already uses, and `then` (a method called `then` would make
# every proxy a thenable, which `await` would try to call).
# Names a generated method's signature and body use next to the IDL's positional parameters.
_BODY_NAMES = frozenset({"options"})

_MEMBER_RESERVED = frozenset(
    {"close", "id", "released", "then", "constructor", "client", "toString", "toJSON"}
)
_CALL_OPTION_KEYS = frozenset({"timeoutMs", "signal", "metadata"})


class _Builder:
    def __init__(self, module: ugm.Module, source: str | None, source_file: str) -> None:
        self.m = module
        self.source = source
        self.file = source_file or f"{module.name}.graft"
        self.errors: list[Diagnostic] = []
        self.kinds: dict[str, str] = {}
        for d in module.decls:
            self.kinds[d.name] = type(d).__name__.lower()

    # ------------------------------------------------------------------ diagnostics

    def error(self, node: object, message: str) -> None:
        span = getattr(node, "span", None)
        if span is None:
            self.errors.append(Diagnostic(self.file, 0, 0, message))
        else:
            self.errors.append(at(self.file, self.source, span.line, span.column, message))

    # ------------------------------------------------------------------ types

    def ts_type(self, t: ugm.TypeRef, mode: str = "out") -> str:
        if isinstance(t, ugm.Primitive):
            return (_PRIM_IN if mode == "in" else _PRIM_OUT)[t.name]
        if isinstance(t, ugm.Optional):
            return f"{self.ts_type(t.inner, mode)} | null"
        if isinstance(t, ugm.ListOf):
            item = self.ts_type(t.item, mode)
            if "|" in item or " " in item:
                return f"ReadonlyArray<{item}>" if mode == "in" else f"Array<{item}>"
            return f"readonly {item}[]" if mode == "in" else f"{item}[]"
        if isinstance(t, ugm.MapOf):
            value = self.ts_type(t.value, mode)
            if isinstance(t.key, ugm.Primitive) and t.key.name == "str":
                return (
                    f"Readonly<Record<string, {value}>>"
                    if mode == "in"
                    else f"Record<string, {value}>"
                )
            return f"ReadonlyMap<number, {value}>" if mode == "in" else f"Map<number, {value}>"
        kind = self.kinds.get(t.name)
        if kind == "record":
            return f"{t.name}Init" if mode == "in" else t.name
        if kind in ("enum", "class"):
            return t.name
        if kind == "error":
            self.error(t, f"the TypeScript target cannot pass the error type {t.name} as a value")
            return "never"
        self.error(t, f"unknown type {t.name!r}")
        return "never"

    def desc(self, t: ugm.TypeRef) -> str:
        if isinstance(t, ugm.Primitive):
            return f"t.{t.name}"
        if isinstance(t, ugm.Optional):
            return f"t.optional({self.desc(t.inner)})"
        if isinstance(t, ugm.ListOf):
            return f"t.list({self.desc(t.item)})"
        if isinstance(t, ugm.MapOf):
            return f"t.map({self.desc(t.key)}, {self.desc(t.value)})"
        kind = self.kinds.get(t.name)
        if kind in ("record", "enum"):
            return f"${t.name}"
        if kind == "class":
            return f"t.instance({json.dumps(t.name)})"
        return "t.none"

    def literal(self, v: ugm.Value, t: ugm.TypeRef | None, node: object) -> str:
        """A TS expression for a default value (a fresh one each evaluation)."""
        inner = t.inner if isinstance(t, ugm.Optional) else t
        if isinstance(v, ugm.NoneLit):
            return "null"
        if isinstance(v, ugm.BoolLit):
            return "true" if v.value else "false"
        if isinstance(v, ugm.IntLit):
            if isinstance(inner, ugm.Primitive) and inner.name == "float":
                return repr(float(v.value))
            if isinstance(inner, ugm.Primitive) and inner.name == "decimal":
                return json.dumps(str(v.value))
            if abs(v.value) > 2**53 - 1:
                self.error(node, f"the default {v.value} is beyond JavaScript's safe integers")
            return str(v.value)
        if isinstance(v, ugm.FloatLit):
            if not math.isfinite(v.value):
                self.error(node, "a default must be a finite number")
                return "0"
            if isinstance(inner, ugm.Primitive) and inner.name == "decimal":
                return json.dumps(repr(v.value))
            return repr(v.value)
        if isinstance(v, ugm.StrLit):
            return json.dumps(v.value)
        if isinstance(v, ugm.BytesLit):
            return f"new Uint8Array([{', '.join(str(b) for b in v.value)}])"
        if isinstance(v, ugm.ListLit):
            item_t = inner.item if isinstance(inner, ugm.ListOf) else None
            return "[" + ", ".join(self.literal(x, item_t, node) for x in v.items) + "]"
        if isinstance(v, ugm.MapLit):
            key_t = inner.key if isinstance(inner, ugm.MapOf) else None
            val_t = inner.value if isinstance(inner, ugm.MapOf) else None
            pairs = [
                (self.literal(k, key_t, node), self.literal(x, val_t, node)) for k, x in v.items
            ]
            if isinstance(key_t, ugm.Primitive) and key_t.name == "int":
                return "new Map<number, any>([" + ", ".join(f"[{k}, {x}]" for k, x in pairs) + "])"
            return "{" + ", ".join(f"{k}: {x}" for k, x in pairs) + "}"
        if isinstance(v, ugm.EnumLit):
            return f"{v.enum}.{v.member}"
        self.error(node, "unsupported default value")
        return "undefined"

    # ------------------------------------------------------------------ docs

    def doc(
        self,
        node: object,
        extra: tuple[str, ...] = (),
        params: tuple[tuple[str, str], ...] = (),
        throws: tuple[str, ...] = (),
        returns: str | None = None,
    ) -> Doc:
        text: str | None = getattr(node, "doc", None)
        lines: list[str] = []
        raised: dict[str, str] = {}
        if text:
            body, raised = _split_raises(_dedent(text))
            lines = [_comment_safe(line.rstrip()) for line in body.splitlines()]
        lines.extend(extra)
        throws = tuple(
            f"{name}{(' ' + _comment_safe(raised[name])) if raised.get(name) else ''}"
            for name in throws
        )
        since = ugm.annotation(node, "since")
        since_text = None
        if since is not None and since.args and isinstance(since.args[0], ugm.StrLit):
            since_text = since.args[0].value
        deprecated = ugm.deprecation(node)
        return Doc(
            lines=tuple(lines),
            params=params,
            returns=returns,
            throws=throws,
            deprecated=None if deprecated is None else _comment_safe(deprecated),
            since=since_text,
        )

    # ------------------------------------------------------------------ declarations

    def enum(self, e: ugm.Enum) -> TsEnum:
        members = tuple(TsEnumMember(m.name, json.dumps(m.value), self.doc(m)) for m in e.members)
        values = ", ".join(json.dumps(m.value) for m in e.members)
        return TsEnum(e.name, members, self.doc(e), f"t.enum({json.dumps(e.name)}, [{values}])")

    def fields(self, owner: str, fields: tuple[ugm.Field, ...]) -> tuple[TsField, ...]:
        out: list[TsField] = []
        seen: dict[str, str] = {}
        for f in fields:
            name = n.camel(f.name)
            if name in seen:
                self.error(
                    f,
                    f"{owner}: fields {seen[name]!r} and {f.name!r} both become {name!r} in TypeScript",
                )
            seen[name] = f.name
            default = None if f.default is None else self.literal(f.default, f.type, f)
            optional_in_init = f.default is not None or isinstance(f.type, ugm.Optional)
            out.append(
                TsField(
                    name=name,
                    wire=f.name,
                    type=self.ts_type(f.type, "out"),
                    init_type=self.ts_type(f.type, "in"),
                    optional_in_init=optional_in_init,
                    desc=self.desc(f.type),
                    default=default,
                    doc=self.doc(f),
                )
            )
        return tuple(out)

    def record(self, r: ugm.Record) -> TsRecord:
        return TsRecord(r.name, f"{r.name}Init", self.fields(r.name, r.fields), self.doc(r))

    def error_decl(self, e: ugm.Error) -> TsError:
        fields = self.fields(e.name, e.fields)
        for f in fields:
            if f.name in (
                "name",
                "message",
                "code",
                "stack",
                "cause",
                "fields",
                "typeName",
                "remoteTraceback",
            ):
                self.error(
                    e,
                    f"{e.name}: a field called {f.wire!r} would hide the Error property {f.name!r}",
                )
        base = e.base if e.base is not None else "RemoteError"
        return TsError(e.name, base, e.base is None, fields, self.doc(e))

    def method(
        self,
        owner: str,
        name: str,
        kind: str,
        wire_target: str,
        wire_member: str,
        params: tuple[ugm.Param, ...],
        returns: ugm.TypeRef,
        raises: tuple[str, ...],
        node: object,
    ) -> TsMethod:
        positional: list[TsParam] = []
        keywords: list[TsParam] = []
        doc_params: list[tuple[str, str]] = []
        used: set[str] = set()
        for p in params:
            binding = n.safe_binding(n.camel(p.name))
            if p.kind != "keyword" and binding in _BODY_NAMES:
                binding += "_"  # the generated signature has its own parameter of that name
            if binding in used:
                self.error(
                    p, f"parameters of {owner}.{wire_member} collide as {binding!r} in TypeScript"
                )
            used.add(binding)
            tp = TsParam(
                name=binding,
                wire=p.name,
                kind=p.kind,
                type=self.ts_type(p.type, "in"),
                optional=p.default is not None,
                desc=self.desc(p.type),
            )
            default_note = ""
            if p.default is not None:
                default_note = f" (default `{_comment_safe(_default_text(p.default))}`)"
            if p.kind == "keyword":
                if binding in _CALL_OPTION_KEYS:
                    self.error(
                        p,
                        f"the keyword parameter {p.name!r} clashes with the call option {binding!r}",
                    )
                keywords.append(tp)
                doc_params.append(
                    (f"options.{binding}", f"keyword argument `{p.name}`{default_note}")
                )
            else:
                positional.append(tp)
                if default_note:
                    doc_params.append((binding, f"optional{default_note}"))
        opts_name = "CallOptions"
        if keywords:
            opts_name = f"{owner}{n.pascal(name)}Options"
        throws = tuple(r for r in raises)
        returns_ts = "void" if _is_none(returns) else self.ts_type(returns, "out")
        return TsMethod(
            name=name,
            spec_name=name,
            kind=kind,
            wire_target=wire_target,
            wire_member=wire_member,
            positional=tuple(positional),
            keywords=tuple(keywords),
            options_type=opts_name,
            options_required=any(not k.optional for k in keywords),
            returns=returns_ts,
            returns_desc=self.desc(returns),
            doc=self.doc(node, params=tuple(doc_params), throws=throws),
        )

    def member_name(self, owner: str, wire: str, node: object, used: set[str]) -> str:
        name = n.camel(wire)
        if name in _MEMBER_RESERVED:
            name += "_"
        if name in used:
            self.error(
                node,
                f"{owner}: the member {wire!r} collides with another as {name!r} in TypeScript",
            )
        used.add(name)
        return name

    def service(self, s: ugm.Service) -> TsService:
        used: set[str] = set()
        cls = f"{n.pascal(s.name)}Service"
        methods = tuple(
            self.method(
                cls[: -len("Service")],
                self.member_name(s.name, m.name, m, used),
                "call",
                s.name,
                m.name,
                m.params,
                m.returns,
                m.raises,
                m,
            )
            for m in s.methods
        )
        return TsService(cls, s.name, n.camel(s.name), methods, self.doc(s))

    def class_decl(self, c: ugm.Class) -> TsClass:
        used: set[str] = set()
        statics_used: set[str] = {"create"}
        ctor = None
        if c.constructor is not None:
            ctor = self.method(
                c.name,
                "create",
                "new",
                c.name,
                "",
                c.constructor.params,
                ugm.Named(c.name),
                c.constructor.raises,
                c.constructor,
            )
        statics: list[TsMethod] = []
        methods: list[TsMethod] = []
        for m in c.methods:
            if m.static:
                name = self.member_name(c.name, m.name, m, statics_used)
                statics.append(
                    self.method(
                        c.name, name, "call", c.name, m.name, m.params, m.returns, m.raises, m
                    )
                )
            else:
                name = self.member_name(c.name, m.name, m, used)
                methods.append(
                    self.method(
                        c.name, name, "call", c.name, m.name, m.params, m.returns, m.raises, m
                    )
                )
        for p in c.properties:
            getter = self.member_name(c.name, f"get_{p.name}", p, used)
            methods.append(self.method(c.name, getter, "get", c.name, p.name, (), p.type, (), p))
            if not p.readonly:
                setter = self.member_name(c.name, f"set_{p.name}", p, used)
                methods.append(
                    self.method(
                        c.name,
                        setter,
                        "set",
                        c.name,
                        p.name,
                        (ugm.Param("value", p.type, kind="positional"),),
                        ugm.Primitive("none"),
                        (),
                        p,
                    )
                )
        return TsClass(
            name=c.name,
            factory=f"{c.name}Class",
            wire=c.name,
            accessor=c.name,
            constructor=ctor,
            statics=tuple(statics),
            methods=tuple(methods),
            doc=self.doc(c),
        )


def _is_none(t: ugm.TypeRef) -> bool:
    return isinstance(t, ugm.Primitive) and t.name == "none"


def _dedent(text: str) -> str:
    import inspect

    return inspect.cleandoc(text)


_RAISES_HEAD = re.compile(r"^(Raises|Throws):\s*$")
_RAISES_ITEM = re.compile(r"^\s+(\w+):\s*(.*)$")


def _split_raises(text: str) -> tuple[str, dict[str, str]]:
    """Take a Google-style `Raises:` section out of a docstring (it becomes `@throws` tags)."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if _RAISES_HEAD.match(line):
            found: dict[str, str] = {}
            j = i + 1
            last: str | None = None
            while j < len(lines) and (lines[j].startswith((" ", "\t")) or not lines[j].strip()):
                m = _RAISES_ITEM.match(lines[j])
                if m:
                    last = m.group(1)
                    found[last] = m.group(2).strip()
                elif last is not None and lines[j].strip():
                    found[last] += " " + lines[j].strip()
                j += 1
            rest = lines[:i] + lines[j:]
            while rest and not rest[-1].strip():
                rest.pop()
            return "\n".join(rest), found
    return text, {}


def _comment_safe(text: str) -> str:
    return text.replace("*/", "*\u2215")


def _default_text(v: ugm.Value) -> str:
    if isinstance(v, ugm.NoneLit):
        return "null"
    if isinstance(v, ugm.BoolLit):
        return "true" if v.value else "false"
    if isinstance(v, ugm.IntLit | ugm.FloatLit):
        return repr(v.value)
    if isinstance(v, ugm.StrLit):
        return json.dumps(v.value)
    if isinstance(v, ugm.EnumLit):
        return f"{v.enum}.{v.member}"
    if isinstance(v, ugm.ListLit):
        return "[" + ", ".join(_default_text(x) for x in v.items) + "]"
    if isinstance(v, ugm.MapLit):
        return "{" + ", ".join(f"{_default_text(k)}: {_default_text(x)}" for k, x in v.items) + "}"
    if isinstance(v, ugm.BytesLit):
        return "bytes"
    return "?"


def _bases_first(errors: tuple[ugm.Error, ...]) -> list[ugm.Error]:
    """Errors ordered so each base class comes before its subclasses (JS classes need that)."""
    by_name = {e.name: e for e in errors}
    out: list[ugm.Error] = []
    done: set[str] = set()

    def visit(e: ugm.Error, trail: tuple[str, ...]) -> None:
        if e.name in done or e.name in trail:
            return
        if e.base is not None and e.base in by_name:
            visit(by_name[e.base], (*trail, e.name))
        done.add(e.name)
        out.append(e)

    for e in errors:
        visit(e, ())
    return out


_VERSION_RE = re.compile(r"^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]*)?$")
# what npm publishes and installs (validate-npm-package-name's rules for new packages)
_NPM_NAME_RE = re.compile(r"(?=.{1,214}$)(?:@[a-z0-9~-][a-z0-9._~-]*/)?[a-z0-9~-][a-z0-9._~-]*")


def build_model(
    module: ugm.Module,
    *,
    package: str | None = None,
    default_url: str | None = None,
    runtime_version: str = "^0.1.0",
    source: str | None = None,
    source_file: str = "",
) -> TsModule:
    """The TypeScript model of `module`; raises DiagnosticError listing every problem found."""
    b = _Builder(module, source, source_file)
    version = module.version if _VERSION_RE.match(module.version) else "0.0.0"
    if version != module.version:
        b.error(module, f"the version {module.version!r} is not a semantic version npm accepts")
    if package is not None and not _NPM_NAME_RE.fullmatch(package):
        b.error(
            module,
            f"--package-name {package!r} is not an npm package name "
            "(lower case letters, digits, '-', '.', '_', optionally '@scope/'; at most 214)",
        )
    result = TsModule(
        module=module.name,
        version=version,
        package=package or n.package_name(module.name),
        schema_hash=ugm.schema_hash(module),
        env_prefix=n.env_prefix(module.name),
        default_url=default_url,
        runtime_version=runtime_version,
        doc=b.doc(module),
        enums=tuple(b.enum(e) for e in module.enums),
        records=tuple(b.record(r) for r in module.records),
        errors=tuple(b.error_decl(e) for e in _bases_first(module.errors)),
        services=tuple(b.service(s) for s in module.services),
        classes=tuple(b.class_decl(c) for c in module.classes),
        client_name=f"{n.pascal(module.name)}Client",
    )
    _check_top_level_names(b, module, result)
    if b.errors:
        raise DiagnosticError(b.errors)
    return result


# What the generated index.ts imports or defines besides the module's own declarations.
_FIXED_NAMES = frozenset(
    """Client RemoteError RemoteInstance t CallOptions ClientOptions ErrorSpec FieldDesc
    MemberSpec ModuleBinding RemoteErrorInfo Cancelled ConnectionLost DeadlineExceeded GraftError
    ProtocolError StatusCode MODULE VERSION SCHEMA_HASH DEFAULT_URL connect createClient""".split()
)


# Globals the generated code refers to: a declaration of the same name would shadow them.
_GLOBALS_USED = frozenset(
    "Promise Record Readonly ReadonlyArray Array Map ReadonlyMap Uint8Array Date Symbol".split()
)


def _check_top_level_names(b: _Builder, module: ugm.Module, m: TsModule) -> None:
    """Every exported TypeScript name must be unique: a record `Client` or a class `CartClass`
    next to a class `Cart` would otherwise produce a package that does not compile."""
    owners: dict[str, str] = {name: "the graftcode runtime" for name in _FIXED_NAMES}
    owners.update({name: "the TypeScript standard library" for name in _GLOBALS_USED})
    decl_of = {d.name: d for d in module.decls}

    def claim(name: str, owner: str, decl: str) -> None:
        if name in owners and owners[name] != owner:
            b.error(
                decl_of.get(decl, module),
                f"{owner} needs the TypeScript name {name!r}, already used by {owners[name]}",
            )
        owners.setdefault(name, owner)

    def claim_options(methods: tuple[TsMethod, ...], owner: str, decl: str) -> None:
        for meth in methods:
            if meth.keywords:
                claim(meth.options_type, f"{owner}.{meth.name}", decl)

    for e in m.enums:
        claim(e.name, f"enum {e.name}", e.name)
    for r in m.records:
        claim(r.name, f"record {r.name}", r.name)
        claim(r.init_name, f"record {r.name}", r.name)
    for x in m.errors:
        claim(x.name, f"error {x.name}", x.name)
    for s in m.services:
        claim(s.name, f"service {s.wire}", s.wire)
        claim_options(s.methods, f"service {s.wire}", s.wire)
    for c in m.classes:
        claim(c.name, f"class {c.name}", c.name)
        claim(c.factory, f"class {c.name}", c.name)
        ctor = (c.constructor,) if c.constructor is not None else ()
        claim_options(ctor + c.statics + c.methods, f"class {c.name}", c.name)
    claim(m.client_name, f"module {m.module}", m.module)
