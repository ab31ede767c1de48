"""Semantic checks of a UGM: what the grammar cannot say.

They run on every parsed `.graft` file and on any model (the exporter's too), so they only read
the UGM; `Positions` adds the spans of names the UGM stores as strings, when parsing provides
them. Each rule reports every violation it finds, in source order.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from graftcode_runtime import ugm

from graftc.diagnostics import Diagnostic
from graftc.idl._check_types import CheckerBase
from graftc.idl._literals import (
    INT64_MAX,
    INT64_MIN,
    MODULE_NAME_RE,
    NAME_RE,
    quote_str,
    semver_key,
)
from graftc.idl._positions import Positions

RESERVED_TYPE_NAMES = frozenset(ugm.PRIMITIVES) | {"list", "map", "true", "false"}
KNOWN_ANNOTATIONS = ("deprecated", "since", "idempotent")


def check_module(module: ugm.Module, positions: Positions) -> list[Diagnostic]:
    checker = _Checker(module, positions)
    checker.run()
    return checker.diagnostics


def _key(node: object) -> tuple[int, int] | None:
    span = getattr(node, "span", None)
    return (span.line, span.column) if isinstance(span, ugm.Span) else None


class _Checker(CheckerBase):
    # -- module and declarations ---------------------------------------------------------------

    def run(self) -> None:
        m = self.module
        if not MODULE_NAME_RE.match(m.name):
            self.at_name(m, m.name, f"'{m.name}' is not a valid module name")
        if self.module_version is None:
            self.error(
                self.pos.version or m.span,
                f"invalid version {quote_str(m.version)}: expected a semantic version"
                ' MAJOR.MINOR.PATCH such as "1.0.0"',
            )
        self.annotations(m.annotations, "a module")
        for d in m.decls:
            first = self.decls.get(d.name)
            if first is not None:
                self.at_name(d, d.name, f"duplicate declaration '{d.name}'{_first(first)}")
                continue
            self.decls[d.name] = d
        for d in m.decls:
            self.decl(d)
        self.record_cycles()

    def decl(self, d: ugm.Decl) -> None:
        self.name(d, d.name)
        if d.name in RESERVED_TYPE_NAMES:
            self.at_name(d, d.name, f"'{d.name}' is a reserved word and cannot name a declaration")
        self.annotations(d.annotations, "a declaration")
        if isinstance(d, ugm.Record):
            self.fields(d.fields, f"record '{d.name}'")
        elif isinstance(d, ugm.Enum):
            self.enum(d)
        elif isinstance(d, ugm.Error):
            self.error_decl(d)
        elif isinstance(d, ugm.Service):
            self.unique(d.methods, f"service '{d.name}'")
            for method in d.methods:
                if method.static:
                    self.at_name(
                        method,
                        method.name,
                        f"'static' is not allowed in service '{d.name}': its functions need no"
                        " instance, so drop 'static'",
                    )
                self.method(method)
        else:
            if d.constructor is not None:
                self.callable(d.constructor)
            self.unique((*d.methods, *d.properties), f"class '{d.name}'")
            for method in d.methods:
                self.method(method)
            for prop in d.properties:
                self.name(prop, prop.name)
                self.annotations(prop.annotations, "a property")
                self.check_type(prop.type, "property")

    def name(self, node: object, name: str) -> None:
        if not NAME_RE.match(name):
            self.at_name(
                node,
                name,
                f"'{name}' is not a valid name (letters, digits and '_', not starting with a digit)",
            )

    def unique(self, nodes: Iterable[ugm.Field | ugm.Method | ugm.Property], owner: str) -> None:
        seen: dict[str, object] = {}
        for n in nodes:
            first = seen.setdefault(n.name, n)
            if first is not n:
                kind = "field" if isinstance(n, ugm.Field) else "member"
                self.at_name(n, n.name, f"duplicate {kind} '{n.name}' in {owner}{_first(first)}")

    def fields(self, fields: tuple[ugm.Field, ...], owner: str) -> None:
        self.unique(fields, owner)
        for f in fields:
            self.name(f, f.name)
            self.annotations(f.annotations, "a field")
            if self.check_type(f.type, "field") and f.default is not None:
                self.default(f.default, f.type)

    def enum(self, e: ugm.Enum) -> None:
        if not e.members:
            self.at_name(e, e.name, f"enum '{e.name}' has no members")
        names: dict[str, ugm.EnumMember] = {}
        values: dict[int | str, ugm.EnumMember] = {}
        first_kind = type(e.members[0].value) if e.members else int
        for m in e.members:
            self.name(m, m.name)
            self.annotations(m.annotations, "an enum member")
            value_span = self.pos.enum_values.get(_key(m) or (0, 0), m.span)
            if m.name in names:
                self.at_name(
                    m,
                    m.name,
                    f"duplicate member '{m.name}' in enum '{e.name}'{_first(names[m.name])}",
                )
            names.setdefault(m.name, m)
            if isinstance(m.value, bool) or not isinstance(m.value, int | str):
                self.error(value_span, f"enum value of '{m.name}' must be an integer or a string")
                continue
            if type(m.value) is not first_kind:
                kinds = {int: "an integer", str: "a string"}
                self.error(
                    value_span,
                    f"enum '{e.name}' mixes value kinds: '{m.name}' has {kinds[type(m.value)]}"
                    f" value but '{e.members[0].name}' has {kinds[first_kind]} value",
                )
                continue
            if isinstance(m.value, int) and not INT64_MIN <= m.value <= INT64_MAX:
                self.error(value_span, f"enum value {m.value} does not fit in 64 bits")
            shown = quote_str(m.value) if isinstance(m.value, str) else str(m.value)
            if m.value in values:
                other = values[m.value].name
                self.error(
                    value_span,
                    f"duplicate value {shown} in enum '{e.name}' (already used by '{other}')",
                )
            values.setdefault(m.value, m)

    def error_decl(self, e: ugm.Error) -> None:
        inherited: dict[str, str] = {}
        if e.base is not None:
            span = self.pos.bases.get(_key(e) or (0, 0))
            base = self.decls.get(e.base)

            def where(msg: str) -> None:
                if span is not None:
                    self.error(span, msg)
                else:
                    self.at_name(e, e.name, msg)

            if base is None:
                where(f"unknown base error '{e.base}'{self.suggest(e.base, ugm.Error)}")
            elif not isinstance(base, ugm.Error):
                where(f"error '{e.name}' cannot extend '{e.base}', which is not an error")
            else:
                chain = self.base_chain(e)
                if e.name in chain:
                    where(f"error '{e.name}' extends itself (through {' -> '.join(chain)})")
                else:
                    for ancestor in chain:
                        found = self.decls.get(ancestor)
                        if isinstance(found, ugm.Error):
                            for f in found.fields:
                                inherited.setdefault(f.name, ancestor)
        self.fields(e.fields, f"error '{e.name}'")
        for f in e.fields:
            if f.name in inherited:
                self.at_name(
                    f,
                    f.name,
                    f"field '{f.name}' is already declared by base error '{inherited[f.name]}'",
                )

    def base_chain(self, e: ugm.Error) -> list[str]:
        """The names of `e`'s ancestors, stopping at a repeat (so cycles terminate)."""
        chain: list[str] = []
        current = e.base
        while current is not None and current not in chain:
            chain.append(current)
            found = self.decls.get(current)
            current = found.base if isinstance(found, ugm.Error) else None
            if current == e.name:
                chain.append(current)
                break
        return chain

    # -- callables -----------------------------------------------------------------------------

    def method(self, m: ugm.Method) -> None:
        self.name(m, m.name)
        self.callable(m)
        if isinstance(m.returns, ugm.Primitive) and m.returns.name == "none":
            return
        self.check_type(m.returns, "return")

    def callable(self, c: ugm.Method | ugm.Constructor) -> None:
        self.annotations(
            c.annotations, "a method" if isinstance(c, ugm.Method) else "a constructor"
        )
        self.params(c.params)
        self.stream_params(c)
        spans = self.pos.raises.get(_key(c) or (0, 0), ())
        seen: set[str] = set()
        for i, name in enumerate(c.raises):
            span = spans[i] if i < len(spans) else None

            def report(msg: str, span: ugm.Span | None = span) -> None:
                if span is not None:
                    self.error(span, msg)
                else:
                    self.error(c.span, msg)

            found = self.decls.get(name)
            if name in seen:
                report(f"'{name}' is listed twice in raises")
            elif found is None:
                report(f"unknown error '{name}' in raises{self.suggest(name, ugm.Error)}")
            elif not isinstance(found, ugm.Error):
                report(f"'{name}' is not an error, so it cannot be raised")
            seen.add(name)

    def stream_params(self, c: ugm.Method | ugm.Constructor) -> None:
        """At most one parameter of a method is a stream; a constructor takes none; a stream
        parameter has no default (docs/idl.md, "Streams")."""
        streams = [p for p in c.params if isinstance(p.type, ugm.StreamOf)]
        for p in streams:
            if isinstance(c, ugm.Constructor):
                self.error(p.type.span, "a constructor cannot take a stream")
            elif p is not streams[0]:
                self.error(p.type.span, f"'{p.name}': a method takes at most one stream")
            if p.default is not None:
                self.at_name(p, p.name, f"stream parameter '{p.name}' cannot have a default")

    def params(self, params: tuple[ugm.Param, ...]) -> None:
        rank = {"positional": 0, "either": 1, "keyword": 2}
        seen: dict[str, ugm.Param] = {}
        prev: ugm.Param | None = None
        defaulted: ugm.Param | None = None
        for p in params:
            self.name(p, p.name)
            if p.name in seen:
                self.at_name(p, p.name, f"duplicate parameter '{p.name}'")
            seen.setdefault(p.name, p)
            if p.kind not in rank:
                self.at_name(p, p.name, f"parameter '{p.name}' has an unknown kind {p.kind!r}")
            elif prev is not None and prev.kind in rank and rank[p.kind] < rank[prev.kind]:
                self.at_name(
                    p,
                    p.name,
                    f"{_KIND_TEXT[p.kind]} parameter '{p.name}' cannot follow"
                    f" {_KIND_TEXT[prev.kind]} parameter '{prev.name}'",
                )
            elif p.kind != "keyword" and p.default is None and defaulted is not None:
                self.at_name(
                    p,
                    p.name,
                    f"parameter '{p.name}' needs a default: it follows '{defaulted.name}', which"
                    " has one (only keyword-only parameters, after '*', may omit it)",
                )
            if p.kind != "keyword" and p.default is not None:
                defaulted = p
            prev = p
            if self.check_type(p.type, "param") and p.default is not None:
                self.default(p.default, p.type)

    def annotations(self, annotations: tuple[ugm.Annotation, ...], what: str) -> None:
        seen: set[str] = set()
        for a in annotations:
            if a.name in seen:
                self.error(a.span, f"duplicate annotation @{a.name}")
                continue
            seen.add(a.name)
            if a.name == "deprecated":
                if len(a.args) > 1 or (a.args and not isinstance(a.args[0], ugm.StrLit)):
                    self.error(
                        a.span, '@deprecated takes at most one string: @deprecated("reason")'
                    )
            elif a.name == "since":
                if what == "a module":
                    self.error(a.span, "@since is not allowed on a module (its version says it)")
                elif len(a.args) != 1 or not isinstance(a.args[0], ugm.StrLit):
                    self.error(a.span, '@since takes one version string: @since("1.2.0")')
                else:
                    arg = a.args[0]
                    version = semver_key(arg.value)
                    if version is None:
                        self.error(
                            arg.span or a.span,
                            f'@since needs a semantic version such as "1.2.0", not {quote_str(arg.value)}',
                        )
                    elif self.module_version is not None and version > self.module_version:
                        self.error(
                            arg.span or a.span,
                            f"@since({quote_str(arg.value)}) is later than the module version"
                            f" {self.module.version}",
                        )
            elif a.name == "idempotent":
                if what != "a method":
                    self.error(a.span, f"@idempotent marks functions and methods, not {what}")
                elif a.args:
                    self.error(a.span, "@idempotent takes no arguments")
            else:
                known = ", ".join(f"@{k}" for k in KNOWN_ANNOTATIONS)
                close = difflib.get_close_matches(a.name, KNOWN_ANNOTATIONS, n=1, cutoff=0.6)
                hint = f"; did you mean @{close[0]}?" if close else f" (known: {known})"
                self.error(a.span, f"unknown annotation @{a.name}{hint}")

    # -- recursion -----------------------------------------------------------------------------

    def record_cycles(self) -> None:
        """A record that needs itself through required fields can never be built."""
        records = {r.name: r for r in self.module.records if self.decls.get(r.name) is r}
        edges: dict[str, list[tuple[ugm.Field, str]]] = {}
        for r in records.values():
            edges[r.name] = [
                (f, f.type.name)
                for f in r.fields
                if isinstance(f.type, ugm.Named) and f.type.name in records
            ]
        reported: set[str] = set()
        for r in records.values():
            path = self.cycle_from(r.name, edges)
            if path is None or r.name in reported:
                continue
            reported.update(name for _, name in path)
            first_field = path[0][0]
            if len(path) == 1:
                message = (
                    f"record '{r.name}' contains itself through required field"
                    f" '{first_field.name}', so no value can be built"
                    f" (use '{r.name}?' or a list)"
                )
            else:
                route = " -> ".join([r.name] + [name for _, name in path])
                message = (
                    f"records contain each other through required fields ({route}), so no"
                    " value can be built (make one of the fields optional or a list)"
                )
            self.error(first_field.type.span or first_field.span, message)

    def cycle_from(
        self, start: str, edges: dict[str, list[tuple[ugm.Field, str]]]
    ) -> list[tuple[ugm.Field, str]] | None:
        """A path of required fields from `start` back to it, if any (depth-first)."""
        stack: list[tuple[str, list[tuple[ugm.Field, str]]]] = [(start, [])]
        visited: set[str] = set()
        while stack:
            name, path = stack.pop()
            for f, target in edges.get(name, []):
                if target == start:
                    return [*path, (f, target)]
                if target not in visited:
                    visited.add(target)
                    stack.append((target, [*path, (f, target)]))
        return None


_KIND_TEXT = {"positional": "positional-only", "either": "positional", "keyword": "keyword-only"}


def _first(node: object) -> str:
    span = getattr(node, "span", None)
    return f" (first declared on line {span.line})" if isinstance(span, ugm.Span) else ""
