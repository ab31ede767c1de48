"""The lark Transformer that turns `.graft` syntax into the UGM, keeping positions.

It runs inline: the LALR parser calls it on every reduction, so no parse tree is ever built
(half the cost of a parse). The grammar is compiled with `keep_all_tokens`, so each callback
sees every token of its rule, punctuation included; that is where the positions come from.
Callbacks pick their parts by type rather than by index, which keeps them independent of
lark's placeholder layout.

Besides the model it records what the UGM has no room for but tools need: the full extent of
each declaration and member (for `graftc fmt`'s comment placement) and the positions of names
the UGM stores as plain strings (for precise diagnostics). Problems only visible at the token
level (bad escapes, misplaced `/` and `*`, duplicate constructors) are collected as it goes;
model-level rules live in `_check`.
"""

from __future__ import annotations

import contextvars
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from graftcode_runtime import ugm
from lark import Token, Transformer

from graftc.idl._literals import EscapeError, unquote_bytes, unquote_str

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
class _Leading:
    doc: str | None
    annotations: tuple[ugm.Annotation, ...]
    start: Pos | None


@dataclass(frozen=True)
class _Marker:
    kind: str  # "/" or "*"
    span: ugm.Span


@dataclass(frozen=True)
class _Header:
    leading: _Leading
    name: str
    span: ugm.Span
    version: str
    extent: ItemExtent


@dataclass(frozen=True)
class _Raises:
    names: tuple[str, ...]
    spans: tuple[ugm.Span, ...]


@dataclass(frozen=True)
class _Params:
    params: tuple[ugm.Param, ...]


_NO_LEADING = _Leading(None, (), None)
_TYPES = (
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
_VALUES = (
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


def _tok_span(tok: Token, file: str) -> ugm.Span:
    return ugm.Span(tok.line or 0, tok.column or 0, tok.end_line or 0, tok.end_column or 0, file)


def _end(children: list[Any]) -> Pos:
    for c in reversed(children):
        if isinstance(c, Token):
            return (c.end_line or 0, c.end_column or 0)
        span = getattr(c, "span", None)
        if isinstance(span, ugm.Span):
            return (span.end_line, span.end_column)
    return (0, 0)


def _start(children: list[Any]) -> Pos:
    for c in children:
        if isinstance(c, Token):
            return (c.line or 0, c.column or 0)
        if isinstance(c, _Leading):
            if c.start is not None:
                return c.start
            continue
        span = getattr(c, "span", None)
        if isinstance(span, ugm.Span):
            return (span.line, span.column)
    return (0, 0)


def _span(children: list[Any], file: str) -> ugm.Span:
    (line, column), (end_line, end_column) = _start(children), _end(children)
    return ugm.Span(line, column, end_line, end_column, file)


def _names(children: list[Any]) -> list[Token]:
    return [c for c in children if isinstance(c, Token) and c.type == "NAME"]


def _of(children: list[Any], kinds: tuple[type, ...]) -> list[Any]:
    return [c for c in children if isinstance(c, kinds)]


def _first(children: list[Any], kinds: tuple[type, ...]) -> Any:
    for c in children:
        if isinstance(c, kinds):
            return c
    return None


class ToUGM(Transformer[Token, Any]):
    """Inline callbacks, one per grammar rule or alias; each takes its rule's children."""

    # -- helpers -------------------------------------------------------------------------------

    @staticmethod
    def _item(name: Token, children: list[Any], body: Token | None = None) -> ugm.Span:
        """Record the item's extent and return its span: from its name to its end."""
        pos = CURRENT.get()
        end = _end(children)
        span = ugm.Span(name.line or 0, name.column or 0, end[0], end[1], pos.file)
        body_pos = (body.end_line or 0, body.end_column or 0) if body is not None else None
        pos.extents[(span.line, span.column)] = ItemExtent(_start(children), end, body_pos)
        return span

    @staticmethod
    def _problem(span: ugm.Span, message: str) -> None:
        CURRENT.get().problems.append((span, message))

    # -- module --------------------------------------------------------------------------------

    def start(self, children: list[Any]) -> ugm.Module:
        header: _Header = children[0]
        module = ugm.Module(
            name=header.name,
            version=header.version,
            decls=tuple(children[1:]),
            doc=header.leading.doc,
            annotations=header.leading.annotations,
            span=header.span,
        )
        CURRENT.get().extents[(header.span.line, header.span.column)] = header.extent
        return module

    def decls(self, children: list[Any]) -> list[Any]:
        return children

    def header(self, children: list[Any]) -> _Header:
        pos = CURRENT.get()
        leading = children[0]
        name: tuple[str, ugm.Span] = children[2]
        version_tok = next(c for c in children if isinstance(c, Token) and c.type == "STRING")
        pos.version = _tok_span(version_tok, pos.file)
        extent = ItemExtent(_start(children), _end(children))
        return _Header(leading, name[0], name[1], _string(version_tok), extent)

    def module_name(self, children: list[Token]) -> tuple[str, ugm.Span]:
        names = _names(children)
        return ".".join(str(t) for t in names), _span(children, CURRENT.get().file)

    def leading(self, children: list[Any]) -> _Leading:
        if not children:
            return _NO_LEADING
        docs = [str(c) for c in children if isinstance(c, Token)]
        annotations = tuple(c for c in children if isinstance(c, ugm.Annotation))
        return _Leading(doc_text(docs) if docs else None, annotations, _start(children))

    def annotation(self, children: list[Any]) -> ugm.Annotation:
        name = _names(children)[0]
        args = tuple(_of(children, _VALUES))
        return ugm.Annotation(str(name), args, _span(children, CURRENT.get().file))

    # -- declarations --------------------------------------------------------------------------

    def record(self, children: list[Any]) -> ugm.Record:
        leading: _Leading = children[0]
        name = _names(children)[0]
        span = self._item(name, children, body=name)
        fields = tuple(_of(children, (ugm.Field,)))
        return ugm.Record(str(name), fields, leading.doc, leading.annotations, span)

    def field(self, children: list[Any]) -> ugm.Field:
        leading: _Leading = children[0]
        name = _names(children)[0]
        span = self._item(name, children)
        type_ = _first(children, _TYPES)
        default = _first(children, _VALUES)
        return ugm.Field(str(name), type_, default, leading.doc, leading.annotations, span)

    def enum(self, children: list[Any]) -> ugm.Enum:
        leading: _Leading = children[0]
        name = _names(children)[0]
        span = self._item(name, children, body=name)
        members = tuple(_of(children, (ugm.EnumMember,)))
        return ugm.Enum(str(name), members, leading.doc, leading.annotations, span)

    def enum_member(self, children: list[Any]) -> ugm.EnumMember:
        leading: _Leading = children[0]
        name = _names(children)[0]
        span = self._item(name, children)
        value_tok = next(
            c for c in children if isinstance(c, Token) and c.type in ("INT", "STRING")
        )
        pos = CURRENT.get()
        pos.enum_values[(span.line, span.column)] = _tok_span(value_tok, pos.file)
        value: int | str = _int(value_tok) if value_tok.type == "INT" else _string(value_tok)
        return ugm.EnumMember(str(name), value, leading.doc, leading.annotations, span)

    def error(self, children: list[Any]) -> ugm.Error:
        leading: _Leading = children[0]
        names = _names(children)
        name = names[0]
        base = names[1] if len(names) > 1 else None
        span = self._item(name, children, body=base or name)
        if base is not None:
            pos = CURRENT.get()
            pos.bases[(span.line, span.column)] = _tok_span(base, pos.file)
        fields = tuple(_of(children, (ugm.Field,)))
        base_name = str(base) if base is not None else None
        return ugm.Error(str(name), fields, base_name, leading.doc, leading.annotations, span)

    def service(self, children: list[Any]) -> ugm.Service:
        leading: _Leading = children[0]
        name = _names(children)[0]
        span = self._item(name, children, body=name)
        methods = tuple(_of(children, (ugm.Method,)))
        return ugm.Service(str(name), methods, leading.doc, leading.annotations, span)

    def class_decl(self, children: list[Any]) -> ugm.Class:
        leading: _Leading = children[0]
        name = _names(children)[0]
        span = self._item(name, children, body=name)
        constructor: ugm.Constructor | None = None
        for member in _of(children, (ugm.Constructor,)):
            if constructor is None:
                constructor = member
            else:
                assert member.span is not None
                s = member.span
                self._problem(
                    ugm.Span(s.line, s.column, s.line, s.column + len("constructor"), s.file),
                    f"class '{name}' has more than one constructor",
                )
        return ugm.Class(
            str(name),
            constructor,
            tuple(_of(children, (ugm.Method,))),
            tuple(_of(children, (ugm.Property,))),
            leading.doc,
            leading.annotations,
            span,
        )

    # -- members -------------------------------------------------------------------------------

    def constructor(self, children: list[Any]) -> ugm.Constructor:
        leading: _Leading = children[0]
        keyword = next(c for c in children if isinstance(c, Token) and c.type == "CONSTRUCTOR")
        span = self._item(keyword, children)
        params: _Params = _first(children, (_Params,))
        raises = self._raises(span, children)
        return ugm.Constructor(params.params, raises, leading.doc, leading.annotations, span)

    def method(self, children: list[Any]) -> ugm.Method:
        leading: _Leading = children[0]
        name = _names(children)[0]
        span = self._item(name, children)
        static = any(isinstance(c, Token) and c.type == "STATIC" for c in children)
        params: _Params = _first(children, (_Params,))
        returns = _first(children, _TYPES) or ugm.Primitive("none")
        raises = self._raises(span, children)
        return ugm.Method(
            str(name),
            params.params,
            returns,
            raises,
            static,
            leading.doc,
            leading.annotations,
            span,
        )

    @staticmethod
    def _raises(span: ugm.Span, children: list[Any]) -> tuple[str, ...]:
        raises: _Raises | None = _first(children, (_Raises,))
        if raises is None:
            return ()
        CURRENT.get().raises[(span.line, span.column)] = raises.spans
        return raises.names

    def property(self, children: list[Any]) -> ugm.Property:
        leading: _Leading = children[0]
        names = _names(children)
        name = names[-1]
        span = self._item(name, children)
        if len(names) > 1 and str(names[0]) != "mut":
            self._problem(
                _tok_span(names[0], span.file),
                f"unexpected name '{names[0]}' before property '{name}'"
                " (only 'mut' may come between 'prop' and the name)",
            )
        type_ = _first(children, _TYPES)
        readonly = len(names) == 1
        return ugm.Property(str(name), type_, readonly, leading.doc, leading.annotations, span)

    def raises(self, children: list[Token]) -> _Raises:
        names = _names(children)
        file = CURRENT.get().file
        return _Raises(tuple(str(t) for t in names), tuple(_tok_span(t, file) for t in names))

    def params(self, children: list[Any]) -> _Params:
        items = _of(children, (ugm.Param, _Marker))
        slash = [i for i, c in enumerate(items) if isinstance(c, _Marker) and c.kind == "/"]
        star = [i for i, c in enumerate(items) if isinstance(c, _Marker) and c.kind == "*"]
        for i in slash[1:]:
            self._problem(items[i].span, "'/' may appear only once in a parameter list")
        for i in star[1:]:
            self._problem(items[i].span, "'*' may appear only once in a parameter list")
        if slash:
            i = slash[0]
            if i == 0:
                self._problem(items[i].span, "'/' must follow at least one parameter")
            elif star and star[0] < i:
                self._problem(items[i].span, "'/' must come before '*'")
        if star:
            i = star[0]
            if not any(isinstance(c, ugm.Param) for c in items[i + 1 :]):
                self._problem(items[i].span, "'*' must be followed by at least one parameter")
        params: list[ugm.Param] = []
        seen_slash = seen_star = False
        for c in items:
            if isinstance(c, _Marker):
                seen_slash = seen_slash or c.kind == "/"
                seen_star = seen_star or c.kind == "*"
                continue
            kind: ugm.ParamKind = "either"
            if seen_star:
                kind = "keyword"
            elif slash and not seen_slash:
                kind = "positional"
            params.append(
                c if kind == "either" else ugm.Param(c.name, c.type, c.default, kind, c.span)
            )
        return _Params(tuple(params))

    def param(self, children: list[Any]) -> ugm.Param:
        name = _names(children)[0]
        end = _end(children)
        span = ugm.Span(name.line or 0, name.column or 0, end[0], end[1], CURRENT.get().file)
        return ugm.Param(
            str(name), _first(children, _TYPES), _first(children, _VALUES), "either", span
        )

    def slash(self, children: list[Any]) -> _Marker:
        return _Marker("/", _span(children, CURRENT.get().file))

    def star(self, children: list[Any]) -> _Marker:
        return _Marker("*", _span(children, CURRENT.get().file))

    # -- types ---------------------------------------------------------------------------------

    def named(self, children: list[Token]) -> ugm.TypeRef:
        tok = children[0]
        name = str(tok)
        span = _tok_span(tok, CURRENT.get().file)
        if name in ugm.PRIMITIVES:
            return ugm.Primitive(cast(ugm.PrimitiveName, name), span)  # checked just above
        return ugm.Named(name, span)

    def optional(self, children: list[Any]) -> ugm.Optional:
        return ugm.Optional(children[0], _span(children, CURRENT.get().file))

    def list_of(self, children: list[Any]) -> ugm.ListOf:
        return ugm.ListOf(_first(children, _TYPES), _span(children, CURRENT.get().file))

    def stream_of(self, children: list[Any]) -> ugm.StreamOf:
        return ugm.StreamOf(_first(children, _TYPES), _span(children, CURRENT.get().file))

    def map_of(self, children: list[Any]) -> ugm.MapOf:
        key, value = _of(children, _TYPES)
        return ugm.MapOf(key, value, _span(children, CURRENT.get().file))

    def tuple_of(self, children: list[Any]) -> ugm.TupleOf:
        return ugm.TupleOf(tuple(_of(children, _TYPES)), _span(children, CURRENT.get().file))

    def str_member(self, children: list[Token]) -> ugm.LiteralOf:
        span = _tok_span(children[0], CURRENT.get().file)
        return ugm.LiteralOf((ugm.StrLit(_string(children[0]), span),), span)

    def int_member(self, children: list[Token]) -> ugm.LiteralOf:
        span = _tok_span(children[0], CURRENT.get().file)
        return ugm.LiteralOf((ugm.IntLit(_int(children[0]), span),), span)

    def union_of(self, children: list[Any]) -> ugm.TypeRef:
        """Flattens `A | B? | "x" | none`: `none` and `?` make the whole union optional, and
        the literal members gather into one literal set where the first of them stood."""
        span = _span(children, CURRENT.get().file)
        members: list[ugm.TypeRef] = []
        literals: list[ugm.LiteralValue] = []
        nullable = False
        for m in _of(children, _TYPES):
            if isinstance(m, ugm.Optional):
                nullable, m = True, m.inner
            if isinstance(m, ugm.Primitive) and m.name == "none":
                nullable = True
                continue
            if isinstance(m, ugm.LiteralOf):
                if not literals:
                    members.append(m)  # a placeholder, replaced by the whole set below
                literals.extend(m.values)
                continue
            members.append(m)
        members = [
            ugm.LiteralOf(tuple(literals), m.span) if isinstance(m, ugm.LiteralOf) else m
            for m in members
        ]
        if not members:
            inner: ugm.TypeRef = ugm.Primitive("none", span)
        elif len(members) == 1:
            inner = members[0]
        else:
            inner = ugm.UnionOf(tuple(members), span)
        return ugm.Optional(inner, span) if nullable else inner

    # -- values --------------------------------------------------------------------------------

    def none_lit(self, children: list[Token]) -> ugm.NoneLit:
        return ugm.NoneLit(_tok_span(children[0], CURRENT.get().file))

    def true_lit(self, children: list[Token]) -> ugm.BoolLit:
        return ugm.BoolLit(True, _tok_span(children[0], CURRENT.get().file))

    def false_lit(self, children: list[Token]) -> ugm.BoolLit:
        return ugm.BoolLit(False, _tok_span(children[0], CURRENT.get().file))

    def int_lit(self, children: list[Token]) -> ugm.IntLit:
        return ugm.IntLit(_int(children[0]), _tok_span(children[0], CURRENT.get().file))

    def float_lit(self, children: list[Token]) -> ugm.FloatLit:
        return ugm.FloatLit(float(children[0]), _tok_span(children[0], CURRENT.get().file))

    def str_lit(self, children: list[Token]) -> ugm.StrLit:
        tok = children[0]
        return ugm.StrLit(_string(tok), _tok_span(tok, CURRENT.get().file))

    def bytes_lit(self, children: list[Token]) -> ugm.BytesLit:
        tok = children[0]
        try:
            value = unquote_bytes(str(tok))
        except EscapeError as e:
            self._problem(_offset_span(tok, e.offset), e.message)
            value = b""
        return ugm.BytesLit(value, _tok_span(tok, CURRENT.get().file))

    def list_lit(self, children: list[Any]) -> ugm.ListLit:
        return ugm.ListLit(tuple(_of(children, _VALUES)), _span(children, CURRENT.get().file))

    def map_lit(self, children: list[Any]) -> ugm.MapLit:
        pairs = tuple(c for c in children if isinstance(c, tuple))
        return ugm.MapLit(pairs, _span(children, CURRENT.get().file))

    def pair(self, children: list[Any]) -> tuple[ugm.Value, ugm.Value]:
        key, value = _of(children, _VALUES)
        return (key, value)

    def enum_lit(self, children: list[Token]) -> ugm.EnumLit:
        enum, member = _names(children)
        return ugm.EnumLit(str(enum), str(member), _span(children, CURRENT.get().file))


def _int(tok: Token) -> int:
    # Python refuses to convert very long digit strings (and they cannot fit in 64 bits anyway).
    if len(tok) > 24:
        CURRENT.get().problems.append(
            (_tok_span(tok, CURRENT.get().file), f"integer {tok[:20]}... does not fit in 64 bits")
        )
        return 0
    return int(tok)


def _string(tok: Token) -> str:
    try:
        return unquote_str(str(tok))
    except EscapeError as e:
        CURRENT.get().problems.append((_offset_span(tok, e.offset), e.message))
        return ""


def _offset_span(tok: Token, offset: int) -> ugm.Span:
    line, col = tok.line or 0, (tok.column or 0) + offset
    return ugm.Span(line, col, line, col + 1, CURRENT.get().file)
