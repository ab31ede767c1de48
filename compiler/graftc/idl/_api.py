"""The front end's entry points: text to a checked UGM, a UGM to canonical text, and `fmt`."""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from graftcode_runtime import ugm
from lark import Token, UnexpectedInput

from graftc.diagnostics import Diagnostic, DiagnosticError, Severity, at, sort_key
from graftc.idl import _parser
from graftc.idl._brackets import Explained
from graftc.idl._check import check_module
from graftc.idl._layout import Layout, build_layout
from graftc.idl._lexer import COMMENT_SINK
from graftc.idl._positions import CURRENT, Positions
from graftc.idl._printer import print_module as _print


def parse(text: str, file: str = "<input>") -> ugm.Module:
    """Parse and check `.graft` text. Raises DiagnosticError carrying every error found."""
    module, _ = _parse(text, file, keep_comments=False)
    return module


def load(path: str | Path) -> ugm.Module:
    """Read and parse a `.graft` file (UTF-8). Unreadable files are diagnostics too."""
    text = read_source(path)
    return parse(text, str(path))


def read_source(path: str | Path) -> str:
    """A source file's text (`-` reads standard input); problems become diagnostics."""
    name = "<stdin>" if str(path) == "-" else str(path)
    try:
        if str(path) == "-":
            data = sys.stdin.buffer.read()
        elif Path(path).is_dir():
            raise DiagnosticError([Diagnostic(name, 0, 0, _directory_problem(Path(path)))])
        else:
            data = Path(path).read_bytes()
    except OSError as e:
        raise DiagnosticError([Diagnostic(name, 0, 0, e.strerror or str(e))]) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise DiagnosticError([_undecodable(name, data, e)]) from None


def _directory_problem(path: Path) -> str:
    if any(True for _ in path.rglob("*.graft")):
        return "is a directory, not a .graft file"
    return "is a directory with no .graft files in it"


def _undecodable(name: str, data: bytes, e: UnicodeDecodeError) -> Diagnostic:
    """Where the first bad byte is, as line:column, with its line shown (bad bytes as U+FFFD)."""
    # utf-8-sig counts from after the byte order mark, which is no column of the text.
    data = data.removeprefix(b"\xef\xbb\xbf")
    start = e.start
    line_start = data.rfind(b"\n", 0, start) + 1
    line_end = data.find(b"\n", start)
    raw = data[line_start : len(data) if line_end < 0 else line_end]
    column = len(data[line_start:start].decode("utf-8", "replace")) + 1
    shown = raw.decode("utf-8", "replace").removesuffix("\r")
    message = f"not valid UTF-8 (byte 0x{data[start]:02x}): {e.reason}; .graft files are UTF-8"
    return Diagnostic(name, data.count(b"\n", 0, start) + 1, column, message, source_line=shown)


def source_files(paths: Iterable[str]) -> list[str]:
    """Expand directories to the `.graft` files below them (sorted, skipping hidden directories
    and node_modules); other paths, and `-` for stdin, pass through."""
    out: list[str] = []
    for path in paths:
        p = Path(path)
        if path != "-" and p.is_dir():
            before = len(out)
            for found in sorted(p.rglob("*.graft")):
                parts = found.relative_to(p).parts[:-1]
                if not any(part.startswith(".") or part == "node_modules" for part in parts):
                    out.append(str(found))
            if len(out) == before:
                out.append(path)  # read_source reports it: silence would pass an empty check
        else:
            out.append(path)
    return out


def module_name(text: str) -> str | None:
    """The name in the text's `module NAME version ...` header, or None when the header does not
    parse. Only the header is read, so the rest of the file may have errors."""
    current = CURRENT.set(Positions())
    try:
        interactive = _parser.lark_parser().parse_interactive(text, start="start")
        parts: list[str] = []
        in_name = False
        for token in interactive.iter_parse():
            if token.type == "MODULE":
                in_name = True
            elif token.type == "VERSION":
                return "".join(parts) if in_name else None
            elif in_name:
                parts.append(str(token))
    except UnexpectedInput:
        return None
    finally:
        CURRENT.reset(current)
    return None


def print_module(module: ugm.Module) -> str:
    """The canonical `.graft` text of `module` (which needs no spans)."""
    return _print(module)


def check(module: ugm.Module) -> list[Diagnostic]:
    """Semantic checks of a model, from any source. Positions come from the nodes' spans."""
    return check_module(module, Positions())


def format_source(text: str, file: str = "<input>") -> str:
    """`graftc fmt` for one file's text: canonical, with plain comments and member grouping
    kept. Raises DiagnosticError when the text has errors (a broken file is never rewritten)."""
    module, layout = _parse(text, file, keep_comments=True)
    assert layout is not None
    return _print(module, layout)


def _parse(text: str, file: str, keep_comments: bool) -> tuple[ugm.Module, Layout | None]:
    comments: list[Token] = []
    positions = Positions(file=file)
    sink = COMMENT_SINK.set(comments if keep_comments else None)
    current = CURRENT.set(positions)
    # A parse allocates ~10 objects per source line and frees none of them as cycles; pausing
    # the cyclic collector meanwhile saves about a tenth of the time on large files.
    collecting = gc.isenabled()
    gc.disable()
    try:
        module, syntax = _parser.parse_text(text)
    finally:
        if collecting:
            gc.enable()
        CURRENT.reset(current)
        COMMENT_SINK.reset(sink)
    if module is None:
        raise DiagnosticError([_syntax_error(file, text, e) for e in syntax])
    # Split once: a file with thousands of errors must not split the text for each of them.
    lines = text.split("\n")
    problems = [_at(file, lines, s.line, s.column, msg, _end(s)) for s, msg in positions.problems]
    problems += [_with_source(d, lines) for d in check_module(module, positions)]
    if problems:
        raise DiagnosticError(sorted(set(problems), key=sort_key))
    layout = build_layout(module, positions.extents, comments, text) if keep_comments else None
    return module, layout


def _syntax_error(file: str, text: str, e: Explained) -> Diagnostic:
    """A syntax error with its notes (`note: to match this '{'`) attached."""
    notes = tuple(at(file, text, line, col, msg, "note", end) for line, col, end, msg in e.notes)
    error = at(file, text, e.line, e.column, e.message, end_column=e.end_column)
    return replace(error, notes=notes)


def _end(s: ugm.Span) -> int | None:
    return s.end_column if s.end_line == s.line else None


def _with_source(d: Diagnostic, lines: list[str]) -> Diagnostic:
    if d.source_line is not None or d.line <= 0:
        return d
    return _at(d.file, lines, d.line, d.column, d.message, d.end_column, d.severity)


def _at(
    file: str,
    lines: list[str],
    line: int,
    column: int,
    message: str,
    end_column: int | None,
    severity: Severity = "error",
) -> Diagnostic:
    """`diagnostics.at` for a text already split at "\n"."""
    source = lines[line - 1].removesuffix("\r") if 0 < line <= len(lines) else None
    return Diagnostic(file, line, column, message, severity, source, end_column)
