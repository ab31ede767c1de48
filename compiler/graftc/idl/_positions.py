"""The pieces the `.graft` Transformer builds with: positions, side tables and span helpers.

`Positions` is what a parse records beside the model (extents for `graftc fmt`, spans of names
the UGM stores as strings); the helpers read positions off a rule's children, whatever lark
placed among them.
"""

from __future__ import annotations

import contextvars
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from graftcode_runtime import ugm
from lark import Token

from graftc.idl._literals import EscapeError, unquote_str

Pos = tuple[int, int]


@dataclass(frozen=True)
class ItemExtent:
    """Where a declaration or member sits in the source, doc comment and annotations included
    (`end` exclusive). `body` is where its `{ ... }` may start (None for members)."""

    start: Pos
    end: Pos
    body: Pos | None = None


@dataclass
class Positions:
    """Side tables filled while transforming, keyed by the owning node's span start."""

    file: str = ""
    extents: dict[Pos, ItemExtent] = field(default_factory=dict)
    version: ugm.Span | None = None
    bases: dict[Pos, ugm.Span] = field(default_factory=dict)
    raises: dict[Pos, tuple[ugm.Span, ...]] = field(default_factory=dict)
    enum_values: dict[Pos, ugm.Span] = field(default_factory=dict)
    problems: list[tuple[ugm.Span, str]] = field(default_factory=list)


# The parser is built once and shared, so the per-parse state travels in a context variable
# (safe across threads and trio tasks).
CURRENT: contextvars.ContextVar[Positions] = contextvars.ContextVar("graft_positions")


@dataclass(frozen=True)
class Leading:
    doc: str | None
    annotations: tuple[ugm.Annotation, ...]
    start: Pos | None


@dataclass(frozen=True)
class Marker:
    kind: str  # "/" or "*"
    span: ugm.Span


@dataclass(frozen=True)
class Header:
    leading: Leading
    name: str
    span: ugm.Span
    version: str
    extent: ItemExtent


@dataclass(frozen=True)
class Raises:
    names: tuple[str, ...]
    spans: tuple[ugm.Span, ...]


@dataclass(frozen=True)
class Params:
    params: tuple[ugm.Param, ...]


NO_LEADING = Leading(None, (), None)
TYPES = (
    ugm.Primitive,
    ugm.Optional,
    ugm.ListOf,
    ugm.MapOf,
    ugm.Named,
    ugm.UnionOf,
    ugm.LiteralOf,
    ugm.TupleOf,
    ugm.StreamOf,
)
VALUES = (
    ugm.NoneLit,
    ugm.BoolLit,
    ugm.IntLit,
    ugm.FloatLit,
    ugm.StrLit,
    ugm.BytesLit,
    ugm.ListLit,
    ugm.MapLit,
    ugm.EnumLit,
)


def doc_text(lines: Sequence[str]) -> str:
    """`/// text` lines to a doc string: drop `///` and one space after it."""
    out = []
    for line in lines:
        body = line[3:].rstrip("\r")
        out.append(body[1:] if body.startswith(" ") else body)
    return "\n".join(out)


def tok_span(tok: Token, file: str) -> ugm.Span:
    return ugm.Span(tok.line or 0, tok.column or 0, tok.end_line or 0, tok.end_column or 0, file)


def end_of(children: list[Any]) -> Pos:
    for c in reversed(children):
        if isinstance(c, Token):
            return (c.end_line or 0, c.end_column or 0)
        span = getattr(c, "span", None)
        if isinstance(span, ugm.Span):
            return (span.end_line, span.end_column)
    return (0, 0)


def start_of(children: list[Any]) -> Pos:
    for c in children:
        if isinstance(c, Token):
            return (c.line or 0, c.column or 0)
        if isinstance(c, Leading):
            if c.start is not None:
                return c.start
            continue
        span = getattr(c, "span", None)
        if isinstance(span, ugm.Span):
            return (span.line, span.column)
    return (0, 0)


def span_of(children: list[Any], file: str) -> ugm.Span:
    (line, column), (end_line, end_column) = start_of(children), end_of(children)
    return ugm.Span(line, column, end_line, end_column, file)


def names_of(children: list[Any]) -> list[Token]:
    return [c for c in children if isinstance(c, Token) and c.type == "NAME"]


def of_kind(children: list[Any], kinds: tuple[type, ...]) -> list[Any]:
    return [c for c in children if isinstance(c, kinds)]


def first_of(children: list[Any], kinds: tuple[type, ...]) -> Any:
    for c in children:
        if isinstance(c, kinds):
            return c
    return None


def int_token(tok: Token) -> int:
    # Python refuses to convert very long digit strings (and they cannot fit in 64 bits anyway).
    if len(tok) > 24:
        CURRENT.get().problems.append(
            (tok_span(tok, CURRENT.get().file), f"integer {tok[:20]}... does not fit in 64 bits")
        )
        return 0
    return int(tok)


def string_token(tok: Token) -> str:
    try:
        return unquote_str(str(tok))
    except EscapeError as e:
        CURRENT.get().problems.append((offset_span(tok, e.offset), e.message))
        return ""


def offset_span(tok: Token, offset: int) -> ugm.Span:
    line, col = tok.line or 0, (tok.column or 0) + offset
    return ugm.Span(line, col, line, col + 1, CURRENT.get().file)
