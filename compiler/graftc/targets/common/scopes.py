"""Names in generated code: escaping reserved words, catching two IDL names that end up the
same, and pointing diagnostics at the declaration at fault.

The escaping rule is one for every language: a name the language reserves (each target supplies
its keywords, builtins and the names its generated code uses itself) gets a trailing
underscore, like PEP 8's `class_`. Wire names never change; only the spelling in code does.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from graftcode_runtime import ugm

from graftc.diagnostics import Diagnostic, DiagnosticError, at


def escape(name: str, *reserved: Collection[str]) -> str:
    """`name` with a trailing `_` when any of the `reserved` collections holds it."""
    return name + "_" if any(name in r for r in reserved) else name


class Reporter:
    """Collects positioned diagnostics while a target lowers a module. Spans point into the
    IDL text given (`source`), or, for a module exported on the fly, into the file a span
    names (read when needed)."""

    def __init__(self, module: ugm.Module, source: str | None, source_file: str) -> None:
        self.source = source
        self.file = source_file or (module.span.file if module.span else "") or module.name
        self.diagnostics: list[Diagnostic] = []

    def text_of(self, file: str) -> str | None:
        if file == self.file and self.source is not None:
            return self.source
        try:
            return Path(file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    def error(self, node: object, message: str) -> None:
        span = getattr(node, "span", None)
        if not isinstance(span, ugm.Span):
            span = None
        self.at(span, message)

    def at(self, span: ugm.Span | None, message: str) -> None:
        line, col = (span.line, span.column) if span is not None else (0, 0)
        file = (span.file if span is not None and span.file else "") or self.file
        self.diagnostics.append(at(file, self.text_of(file), line, col, message))

    def check(self) -> None:
        """Raise every diagnostic collected so far, in source order."""
        if self.diagnostics:
            raise DiagnosticError(sorted(self.diagnostics, key=_order))


def _order(d: Diagnostic) -> tuple[str, int, int]:
    return (d.file, d.line, d.column)


class Scope:
    """One namespace of generated names (a module, a record's fields, a method's parameters):
    `claim` reports a second IDL name that spells the same in `language`."""

    def __init__(self, what: str, language: str, reporter: Reporter) -> None:
        self.what = what  # e.g. "record Product", for the message
        self.language = language
        self.reporter = reporter
        self.seen: dict[str, tuple[str, ugm.Span | None]] = {}

    def reserve(self, *names: str) -> None:
        """Names the generated code itself defines in this scope."""
        for name in names:
            self.seen.setdefault(name, (name, None))

    def claim(self, spelled: str, idl: str, span: ugm.Span | None) -> str:
        prior = self.seen.get(spelled)
        if prior is None:
            self.seen[spelled] = (idl, span)
            return spelled
        other, other_span = prior
        where = f" (declared at {other_span.line}:{other_span.column})" if other_span else ""
        if other == idl:
            message = (
                f"{idl!r} clashes with a name the {self.language} client defines in {self.what}"
            )
        else:
            message = (
                f"{idl!r} and {other!r}{where} both become the {self.language} name "
                f"{spelled!r} in {self.what}; rename one of them"
            )
        self.reporter.at(span, message)
        return spelled
