"""`graftc serve MODULE --idl FILE.graft`: serve exactly what a committed IDL declares.

The module is exported (leaving unsupported members out), then matched against the IDL one
declaration and one member at a time. Every declaration and member of the IDL must be in the
export with the same signature (parameters, defaults, types, errors, static-ness, read-only-ness;
doc comments aside); a record, enum or error must match whole, since it is data. The hosted UGM
is then the IDL's, so a member the module has but the IDL lacks is not callable (NOT_FOUND), as
for any undeclared member. A mismatch names the IDL's `file.graft:line:col` and the Python
`file.py:line` of the member. This stays on the compiler side: the gateway never parses IDL.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from typing import Any

from graftcode_runtime import ugm
from graftcode_runtime.gateway import HostedModule
from graftcode_runtime.introspect._source import SourceIndex

from graftc.commands.export import shown_path


class SubsetError(Exception):
    """The IDL and the module disagree; one message per disagreement."""

    def __init__(self, messages: Sequence[str]) -> None:
        self.messages = tuple(messages)
        super().__init__("\n".join(self.messages))


def apply_idl_files(hosted: Sequence[HostedModule], files: Sequence[str]) -> list[HostedModule]:
    """Each hosted module narrowed to the IDL file naming it (`module NAME;`); a lone IDL with a
    lone module is matched to it whatever its name (and the names then must agree). Raises
    DiagnosticError for an IDL that does not parse, SubsetError for a mismatch."""
    from graftc.idl import parse

    out = list(hosted)
    messages: list[str] = []
    for file in files:
        try:
            with open(file, encoding="utf-8") as f:
                text = f.read()
        except (OSError, UnicodeDecodeError) as e:
            messages.append(f"{file}: cannot read the IDL: {getattr(e, 'strerror', None) or e}")
            continue
        idl = parse(text, file)
        index = next((i for i, h in enumerate(out) if h.name == idl.name), None)
        if index is None and len(out) == 1 and len(files) == 1:
            index = 0
        if index is None:
            served = ", ".join(h.name for h in out)
            messages.append(
                f"{file}: the IDL is module {idl.name!r}, which is not served ({served})"
            )
            continue
        try:
            out[index] = serve_subset(out[index], idl, file)
        except SubsetError as e:
            messages += e.messages
    if messages:
        raise SubsetError(messages)
    return out


def serve_subset(hosted: HostedModule, idl: ugm.Module, idl_file: str) -> HostedModule:
    """`hosted` (exported with skip_unsupported) narrowed to the IDL's declarations."""
    matcher = _Matcher(hosted, idl_file)
    for decl in idl.decls:
        matcher.decl(decl)
    if idl.name != hosted.module.name:
        matcher.messages.insert(
            0,
            f"{_at(idl_file, None)}: the IDL is module {idl.name!r}, but the module served is "
            f"{hosted.module.name!r}",
        )
    if matcher.messages:
        raise SubsetError(matcher.messages)
    # The IDL itself is served (its version, its docs), so clients built from it see the same
    # schema hash in the handshake.
    objects = {d.name: hosted.objects[d.name] for d in idl.decls}
    return HostedModule(
        idl,
        objects,
        hosted.warnings,
        python_module=hosted.python_module,
        problems=hosted.problems,
    )


def _at(file: str, span: ugm.Span | None) -> str:
    if span is None:
        return file
    return f"{file}:{span.line}:{span.column}"


def _signature(node: Any) -> Any:
    """`node` without what does not change a call: doc comments and annotations (spans are
    never compared)."""
    if isinstance(node, tuple):
        return tuple(_signature(x) for x in node)
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        changes: dict[str, Any] = {}
        for f in dataclasses.fields(node):
            value = getattr(node, f.name)
            if f.name == "doc":
                changes[f.name] = None
            elif f.name == "annotations":
                changes[f.name] = ()
            elif isinstance(value, tuple) or dataclasses.is_dataclass(value):
                changes[f.name] = _signature(value)
        return dataclasses.replace(node, **changes)
    return node


class _Matcher:
    def __init__(self, hosted: HostedModule, idl_file: str) -> None:
        self.hosted = hosted
        self.idl_file = idl_file
        self.source = SourceIndex()
        self.refused: dict[str, list[str]] = {}
        for p in hosted.problems:
            self.refused.setdefault(p.member, []).append(p.message)
        self.messages: list[str] = []

    def python(self, decl: str, member: str | None = None) -> str:
        """`file.py:line` of a declaration or member (the module file when unknown)."""
        obj = self.hosted.objects.get(decl)
        module = self.hosted.python_module
        fallback = getattr(module, "__file__", None) or self.hosted.name
        if obj is None:
            return shown_path(fallback)
        if member is None or isinstance(obj, type(module)):
            target = getattr(obj, member, obj) if member else obj
            where = self.source.locate(target)
        else:
            assert isinstance(obj, type)
            where = self.source.class_member(obj, "__init__" if member == "()" else member)
        return shown_path(where.file) + (f":{where.line}" if where.line > 0 else "")

    def fail(self, span: ugm.Span | None, text: str, python: str) -> None:
        self.messages.append(f"{_at(self.idl_file, span)}: {text} ({python})")

    def why_missing(self, name: str) -> str:
        refused = self.refused.get(name)
        return f": {'; '.join(refused)}" if refused else ""

    def decl(self, decl: ugm.Decl) -> None:
        mine = self.hosted.module.find(decl.name)
        module_file = self.python(decl.name)
        if mine is None or type(mine) is not type(decl):
            what = "is missing from" if mine is None else "is another kind of declaration in"
            self.fail(
                decl.span,
                f"{decl.name} {what} module {self.hosted.name}{self.why_missing(decl.name)}",
                module_file,
            )
            return
        if isinstance(decl, ugm.Service | ugm.Class):
            assert isinstance(mine, ugm.Service | ugm.Class)
            self.members(decl, mine)
        elif _signature(decl) != _signature(mine):
            self.fail(
                decl.span,
                f"{decl.name} differs from module {self.hosted.name}'s {decl.name}",
                module_file,
            )

    def members(self, decl: ugm.Service | ugm.Class, mine: ugm.Service | ugm.Class) -> None:
        qualifier = self.hosted.name.rsplit(".", 1)[-1] if isinstance(decl, ugm.Service) else ""
        for kind, name, ours, theirs in _pairs(decl, mine):
            problem_name = f"{qualifier or decl.name}.{'__init__' if name == '()' else name}"
            label = f"{decl.name}.{name}" if name != "()" else f"{decl.name} constructor"
            if theirs is None:
                self.fail(
                    ours.span,
                    f"{kind} {label} is missing from module {self.hosted.name}"
                    f"{self.why_missing(problem_name)}",
                    self.python(decl.name, None if name == "()" else name),
                )
            elif _signature(ours) != _signature(theirs):
                self.fail(
                    ours.span,
                    f"{kind} {label} has another signature in module {self.hosted.name}",
                    self.python(decl.name, name),
                )


def _pairs(decl: ugm.Service | ugm.Class, mine: ugm.Service | ugm.Class) -> Iterator[Any]:
    methods = {m.name: m for m in mine.methods}
    for m in decl.methods:
        yield "method", m.name, m, methods.get(m.name)
    if isinstance(decl, ugm.Class) and isinstance(mine, ugm.Class):
        if decl.constructor is not None:
            yield "constructor", "()", decl.constructor, mine.constructor
        props = {p.name: p for p in mine.properties}
        for p in decl.properties:
            yield "property", p.name, p, props.get(p.name)
