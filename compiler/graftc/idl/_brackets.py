"""Brackets in syntax errors: the note that points at the unclosed `{` (as compilers do), a
declaration that starts while the previous one is still open, and a `}` with nothing to close.

lark's LALR parser keeps the tokens of every rule it has not reduced yet on its value stack
(the grammar is compiled with `keep_all_tokens`), and each bracket pair of the grammar lies
within one rule. So at a syntax error the openers on the stack without a closer after them are
exactly the brackets still open, innermost last.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from lark import Token, UnexpectedInput, UnexpectedToken

_CLOSER = {"LBRACE": "RBRACE", "LSQB": "RSQB", "LPAR": "RPAR", "LESSTHAN": "MORETHAN"}
_OPENER = {closer: opener for opener, closer in _CLOSER.items()}
_DECL_KEYWORDS = {"RECORD", "ENUM", "ERROR", "SERVICE", "CLASS"}
# What a declaration looks like from its keyword on: `record Name {`, `error Name;`, ...
_DECL_START = re.compile(
    r"(?:record|enum|error|service|class)[ \t]+(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*(?:\{|;|extends\b)"
)

Note = tuple[int, int, int, str]  # line, column, end column (exclusive), message


@dataclass(frozen=True)
class Explained:
    """A syntax error as reported: position, message, notes, and where parsing may resume."""

    line: int
    column: int
    end_column: int
    message: str
    notes: tuple[Note, ...] = ()
    resume: int | None = None  # offset of a declaration to resume at, when one was found


def _value_stack(e: UnexpectedInput) -> list[Any]:
    interactive = getattr(e, "interactive_parser", None)
    stack = getattr(getattr(interactive, "parser_state", None), "value_stack", None)
    return list(stack or ())


def _open_brackets(stack: list[Any]) -> list[int]:
    """Indexes into `stack` of the openers not closed yet, innermost last."""
    open_: list[int] = []
    for i, item in enumerate(stack):
        if not isinstance(item, Token):
            continue
        if item.type in _CLOSER:
            open_.append(i)
        elif item.type in _OPENER and open_ and stack[open_[-1]].type == _OPENER[item.type]:
            open_.pop()
    return open_


def _owner(stack: list[Any], brace: int) -> str:
    """What the `{` at `stack[brace]` opens: `record 'Product'`, or a map value."""
    # `record Name {`, `error Name extends Base {`: the keyword is at most four tokens back.
    for i in range(brace - 1, max(brace - 5, -1), -1):
        item = stack[i]
        if isinstance(item, Token) and item.type in _DECL_KEYWORDS:
            name = stack[i + 1]
            return f"{item.value} '{name}'"
    return "the map value"


def _note(tok: Token) -> Note:
    column = tok.column or 1
    return tok.line or 1, column, column + 1, f"to match this '{tok.value}'"


def _line_starts_with(text: str, tok: Token) -> bool:
    start = tok.start_pos or 0
    return not text[text.rfind("\n", 0, start) + 1 : start].strip()


def _declaration_start(e: UnexpectedToken, stack: list[Any], text: str) -> Token | None:
    """The keyword of a declaration that begins where the parser failed, when there is one.

    Inside a service or class the keyword is itself the unexpected token. Inside a record, enum
    or error the lexer takes it for a member name (keywords stay usable as names) and the
    parser fails at the declaration's name right after it.
    """
    tok = e.token
    candidate: Token | None = None
    if tok.upper() in _DECL_KEYWORDS:
        candidate = tok
    elif tok.type == "NAME" and stack:
        last = stack[-1]
        if isinstance(last, Token) and last.type == "NAME" and last.upper() in _DECL_KEYWORDS:
            candidate = last
    if candidate is None or not _line_starts_with(text, candidate):
        return None
    if not _DECL_START.match(text, candidate.start_pos or 0):
        return None
    return candidate


def explain(
    e: UnexpectedInput, text: str, accepted: set[str], described: tuple[int, int, int, str]
) -> Explained:
    """`described` (the plain error) with what the brackets around the error tell."""
    plain = Explained(*described)
    if not isinstance(e, UnexpectedToken):
        return plain
    stack = _value_stack(e)
    open_ = _open_brackets(stack)
    braces = [i for i in open_ if stack[i].type == "LBRACE"]
    if braces:
        declaration = _declaration_start(e, stack, text)
        if declaration is not None:
            # A declaration cannot start inside another: the `}` before it is missing. Point at
            # the declaration's `{` (the outermost), and parse on from the new declaration.
            outer = stack[braces[0]]
            line, column = declaration.line or 1, declaration.column or 1
            found = _DECL_START.match(text, declaration.start_pos or 0)
            assert found is not None
            message = (
                f"missing '}}' to close {_owner(stack, braces[0])}"
                f" before {declaration.value} '{found['name']}'"
            )
            end = column + len(declaration.value)
            return Explained(line, column, end, message, (_note(outer),), declaration.start_pos)
    if open_:
        inner = stack[open_[-1]]
        if e.token.type == "$END" or _CLOSER[inner.type] in accepted:
            return Explained(*described, notes=(_note(inner),))
        return plain
    if e.token.type == "RBRACE":
        # Nothing is open. When the token before is a `}`, it closed the last declaration.
        message = "unexpected '}': there is no open '{' for it to close"
        last = stack[-1] if stack else None
        opener = _matching_opener(stack)
        notes: tuple[Note, ...] = ()
        if isinstance(last, Token) and opener is not None:
            column = last.column or 1
            closed = f"{_owner(stack, opener)} is already closed here"
            notes = ((last.line or 1, column, column + 1, closed),)
        return Explained(plain.line, plain.column, plain.end_column, message, notes)
    return plain


def _matching_opener(stack: list[Any]) -> int | None:
    """The index of the `{` that the `}` on top of the stack closes (None without one)."""
    if not stack or not isinstance(stack[-1], Token) or stack[-1].type != "RBRACE":
        return None
    depth = 0
    for i in range(len(stack) - 1, -1, -1):
        item = stack[i]
        if isinstance(item, Token) and item.type == "RBRACE":
            depth += 1
        elif isinstance(item, Token) and item.type == "LBRACE":
            depth -= 1
            if depth == 0:
                return i
    return None
