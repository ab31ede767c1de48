"""Diagnostics in the form compilers use: `file:line:col: error: message`, the line, a caret.

Every user-facing error of graftc (parse errors, semantic errors, export errors, check findings)
is a Diagnostic, so all commands print them the same way and tests can compare them exactly.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning", "note"]


@dataclass(frozen=True)
class Diagnostic:
    file: str
    line: int  # 1-based; 0 when the problem has no position (e.g. a missing file)
    column: int  # 1-based
    message: str
    severity: Severity = "error"
    source_line: str | None = None  # the offending line's text, for the caret display
    end_column: int | None = None  # exclusive; draws ^~~~ under a range when known
    # Notes that belong to this diagnostic (`note: to match this '{'`), printed right after it.
    # They travel with it rather than as diagnostics of their own, so sorting keeps them in
    # place and counts of errors stay counts of errors.
    notes: tuple[Diagnostic, ...] = ()

    def header(self) -> str:
        if self.line <= 0:
            return f"{self.file}: {self.severity}: {self.message}"
        return f"{self.file}:{self.line}:{self.column}: {self.severity}: {self.message}"

    def render(self) -> str:
        out = [self.header()]
        if self.source_line is not None and self.line > 0:
            # Control characters would shift the caret or drive the terminal (escape codes).
            text = "".join(
                ch if ch.isprintable() else "\ufffd"
                for ch in self.source_line.rstrip("\n").expandtabs(1)
            )
            out.append(f"    {text}")
            width = 1
            if self.end_column is not None and self.end_column > self.column:
                width = self.end_column - self.column
            out.append("    " + " " * (self.column - 1) + "^" + "~" * (width - 1))
        out.extend(note.render() for note in self.notes)
        return "\n".join(out)


class DiagnosticError(Exception):
    """Raised when a step produced errors; carries all of them, not just the first."""

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        self.diagnostics = tuple(diagnostics)
        super().__init__("\n".join(d.header() for d in self.diagnostics))


def at(
    file: str,
    text: str | None,
    line: int,
    column: int,
    message: str,
    severity: Severity = "error",
    end_column: int | None = None,
) -> Diagnostic:
    """A Diagnostic pointing into `text` (the file's contents), with its source line filled in."""
    source_line = None
    if text is not None and line > 0:
        # Lines end at "\n" only, as the lexers and Python count them: splitlines() would also
        # split at form feeds and U+2028 and show the wrong line.
        lines = text.split("\n")
        if line <= len(lines):
            source_line = lines[line - 1].removesuffix("\r")
    return Diagnostic(file, line, column, message, severity, source_line, end_column)


def render_all(diagnostics: Iterable[Diagnostic]) -> str:
    return "\n".join(d.render() for d in diagnostics)


def sort_key(d: Diagnostic) -> tuple[str, int, int, str]:
    return (d.file, d.line, d.column, d.message)
