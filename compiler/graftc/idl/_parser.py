"""Running the lark parser: locating the grammar, caching the parser, and turning lark's
exceptions into diagnostics (recovering at the next declaration, so one run shows every broken
declaration)."""

from __future__ import annotations

import functools
import re
from importlib import resources

from graftcode_runtime import ugm
from lark import Lark, Token, UnexpectedCharacters, UnexpectedInput, UnexpectedToken
from lark.lexer import PatternStr
from lark.utils import TextSlice

from graftc.idl._brackets import Explained, explain
from graftc.idl._lexer import MAX_NESTING, GraftLexer, TooDeep
from graftc.idl._transform import ToUGM

# Descriptions of the regex terminals in messages; string terminals show as themselves.
_TERMINAL_NAMES = {
    "NAME": "a name",
    "INT": "an integer",
    "FLOAT": "a float",
    "STRING": "a string",
    "BYTES": "a bytes literal",
    "DOC_LINE": "a doc comment",
    "$END": "end of file",
}

MAX_SYNTAX_ERRORS = 50

# A line starting (in column 1) with one of these keywords is where recovery resumes.
_RESYNC_RE = re.compile(r"^(record|enum|error|service|class)\b", re.MULTILINE)


def grammar_text() -> str:
    """The grammar, package data of graftc (`grammar/graft.lark` in the repository links to it)."""
    return resources.files("graftc").joinpath("graft.lark").read_text(encoding="utf-8")


@functools.cache
def lark_parser() -> Lark:
    return Lark(
        grammar_text(),
        parser="lalr",
        lexer=GraftLexer,
        start=["start", "decls"],
        keep_all_tokens=True,
        maybe_placeholders=True,
        transformer=ToUGM(),
    )


def parse_text(text: str) -> tuple[ugm.Module | None, list[Explained]]:
    """The module (None after a syntax error) and the syntax errors, each with its notes.
    Run with `_positions.CURRENT` set."""
    parser = lark_parser()
    try:
        module = parser.parse(text, start="start")
        assert isinstance(module, ugm.Module)
        return module, []
    except UnexpectedInput as e:
        errors = [_explain(e, text)]
        offset = _error_offset(e, text)
    start = 0
    # Resume at each later declaration, lexing from there (positions stay those of the file):
    # the one the error found inside an unclosed `{`, else the next starting a line.
    while len(errors) < MAX_SYNTAX_ERRORS:
        resume = errors[-1].resume
        if resume is None or resume <= start:
            m = _RESYNC_RE.search(text, _next_line(text, offset))
            if m is None:
                return None, errors
            resume = m.start()
        start = resume
        try:
            parser.parse(TextSlice(text, start, len(text)), start="decls")
            return None, errors
        except UnexpectedInput as e2:
            errors.append(_explain(e2, text))
            offset = max(_error_offset(e2, text), start)
    errors.append(Explained(0, 0, 0, f"too many syntax errors; stopped after {MAX_SYNTAX_ERRORS}"))
    return None, errors


def _explain(e: UnexpectedInput, text: str) -> Explained:
    accepted = _accepted(e) if isinstance(e, UnexpectedToken) else set()
    return explain(e, text, accepted, _describe(e, text))


def _next_line(text: str, offset: int) -> int:
    nl = text.find("\n", offset)
    return len(text) if nl < 0 else nl + 1


def _error_offset(e: UnexpectedInput, text: str) -> int:
    if isinstance(e, UnexpectedToken) and e.token.type == "$END":
        return len(text)
    pos = getattr(e, "pos_in_stream", None)
    if isinstance(e, UnexpectedToken):
        pos = e.token.start_pos
    return pos if isinstance(pos, int) else len(text)


def _describe(e: UnexpectedInput, text: str) -> tuple[int, int, int, str]:
    if isinstance(e, UnexpectedToken):
        tok = e.token
        if tok.type == "$END":
            line, col = _end_position(text)
            return line, col, col + 1, f"unexpected end of file, expected {_expected(e)}"
        line, col = tok.line or 1, tok.column or 1
        width = max(1, (tok.end_column or col + 1) - col) if tok.end_line == tok.line else 1
        if tok.type == "DOC_LINE" or _after_doc_comment(e):
            what = "doc comment" if tok.type == "DOC_LINE" else f"{_token(tok)} after a doc comment"
            message = (
                f"unexpected {what}: '///' documents the declaration or member that follows it"
                " (use '//' for a plain comment)"
            )
        elif text.startswith("/*", tok.start_pos or 0):
            message = "unterminated block comment"
        else:
            message = f"unexpected {_token(tok)}, expected {_expected(e)}"
            previous = _previous_end(e)
            if previous is not None and previous[0] < line and "SEMICOLON" in _accepted(e):
                # A forgotten `;` shows up as a surprise on the next line; point where it belongs.
                line, col = previous
                return line, col, col + 1, f"missing ';' (before {_token(tok)} on line {tok.line})"
        return line, col, col + width, message
    assert isinstance(e, UnexpectedCharacters)
    line, col = e.line, e.column
    rest = text[e.pos_in_stream :]
    if isinstance(e, TooDeep):
        message = f"nesting deeper than {MAX_NESTING} levels"
    elif rest.startswith("/*"):
        message = "unterminated block comment"
    elif rest.startswith('"'):
        message = "unterminated string (strings end on the line they start)"
    else:
        message = f"unexpected character {rest[:1]!r}"
    return line, col, col + 1, message


def _after_doc_comment(e: UnexpectedToken) -> bool:
    interactive = getattr(e, "interactive_parser", None)
    stack = getattr(getattr(interactive, "parser_state", None), "value_stack", None)
    if not stack:
        return False
    last = stack[-1]
    return isinstance(last, Token) and last.type == "DOC_LINE"


def _end_position(text: str) -> tuple[int, int]:
    lines = text.split("\n")
    # Point just past the last non-blank line: that is where something is missing.
    while len(lines) > 1 and not lines[-1].strip():
        lines.pop()
    return len(lines), len(lines[-1]) + 1


def _token(tok: Token) -> str:
    value = str(tok)
    if tok.type == "NAME":
        return f"name '{value}'"
    if tok.type in ("INT", "FLOAT"):
        return f"number {value}"
    if tok.type in ("STRING", "BYTES"):
        return f"string {value}"
    return f"'{value}'"


def _accepted(e: UnexpectedToken) -> set[str]:
    # LALR states are shared between contexts, so `e.expected` over-approximates; asking the
    # interactive parser which terminals it would really accept gives the exact set.
    names = set(e.expected or ())
    interactive = getattr(e, "interactive_parser", None)
    if interactive is not None:
        names = set(interactive.accepts()) or names
    return names


def _previous_end(e: UnexpectedToken) -> tuple[int, int] | None:
    """Where the last thing the parser took ends (line, column), when known."""
    interactive = getattr(e, "interactive_parser", None)
    stack = getattr(getattr(interactive, "parser_state", None), "value_stack", None)
    if not stack:
        return None
    last = stack[-1]
    if isinstance(last, Token):
        return (last.end_line or 0, last.end_column or 0)
    span = getattr(last, "span", None)
    if isinstance(span, ugm.Span):
        return (span.end_line, span.end_column)
    return None


# Terminal sets that stand for one thing in messages ("a type" rather than six alternatives).
_GROUPS = (
    ({"NAME", "LIST", "MAP", "TUPLE", "STREAM", "STRING", "INT"}, "a type"),
    (
        {"INT", "FLOAT", "STRING", "BYTES", "NONE", "TRUE", "FALSE", "LSQB", "LBRACE", "NAME"},
        "a value",
    ),
)


def _expected(e: UnexpectedToken) -> str:
    names = _accepted(e)
    grouped: list[str] = []
    for members, label in _GROUPS:
        if members <= names:
            names -= members
            grouped.append(label)
    # Doc comments and annotations may precede every item; listing them is noise.
    if names - {"DOC_LINE", "AT"}:
        names -= {"DOC_LINE", "AT"}
    terminals = {t.name: t for t in lark_parser().terminals}
    shown = []
    for name in names:
        term = terminals.get(name)
        if term is not None and isinstance(term.pattern, PatternStr):
            shown.append(f"'{term.pattern.value}'")
        else:
            shown.append(_TERMINAL_NAMES.get(name, name))
    shown.sort(key=lambda s: (not s.startswith("'"), s))
    shown = grouped + shown
    if len(shown) == 1:
        return shown[0]
    if len(shown) == 2:
        return f"{shown[0]} or {shown[1]}"
    return "one of " + ", ".join(shown[:-1]) + " or " + shown[-1]


def span(line: int, column: int, end_column: int, file: str) -> ugm.Span:
    return ugm.Span(line, column, line, end_column, file)
