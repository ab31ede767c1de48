"""The lark Transformer that turns a `.graft` parse tree into the UGM, keeping positions.

Besides the model it records what the UGM has no room for but tools need: the full extent of
each declaration and member (for `graftc fmt`'s comment placement) and the positions of names
the UGM stores as plain strings (for precise diagnostics). Problems only visible at the token
level (bad escapes, misplaced `/` and `*`, duplicate constructors) are collected as it goes;
model-level rules live in `_check`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from graftcode_runtime import ugm
from lark import Token, Transformer, v_args

from graftc.idl._literals import EscapeError, unquote_bytes, unquote_str

Pos = tuple[int, int]


@dataclass(frozen=True)
class ItemExtent:
    """Where a declaration or member sits in the source, doc comment and annotations included.

    `body` is where its `{ ... }` may start (None for members); `key` is its span's start.
    """

    start: Pos
    end: Pos
    body: Pos | None = None


@dataclass
class Positions:
    """Side tables filled while transforming, keyed by the owning node's span start."""

    extents: dict[Pos, ItemExtent] = field(default_factory=dict)
    version: ugm.Span | None = None
    bases: dict[Pos, ugm.Span] = field(default_factory=dict)
    raises: dict[Pos, tuple[ugm.Span, ...]] = field(default_factory=dict)
    enum_values: dict[Pos, ugm.Span] = field(default_factory=dict)
    problems: list[tuple[ugm.Span, str]] = field(default_factory=list)


@dataclass(frozen=True)
class _Leading:
    doc: str | None
    annotations: tuple[ugm.Annotation, ...]


@dataclass(frozen=True)
class _Marker:
    kind: str  # "/" or "*"
    span: ugm.Span


@dataclass(frozen=True)
class _ModuleName:
    name: str
    span: ugm.Span


_NO_LEADING = _Leading(None, ())


def doc_text(lines: Sequence[str]) -> str:
    """`/// text` lines to a doc string: drop `///` and one space after it."""
    out = []
    for line in lines:
        body = line[3:].rstrip("\r")
        out.append(body[1:] if body.startswith(" ") else body)
    return "\n".join(out)


@v_args(meta=True)
class ToUGM(Transformer[Token, ugm.Module]):
    def __init__(self, file: str) -> None:
        super().__init__(visit_tokens=False)
        self.file = file
        self.pos = Positions()

    # -- helpers -------------------------------------------------------------------------------

    def _span(self, meta: Any) -> ugm.Span:
        return ugm.Span(meta.line, meta.column, meta.end_line, meta.end_column, self.file)

    def _tok_span(self, tok: Token) -> ugm.Span:
        return ugm.Span(
            tok.line or 0, tok.column or 0, tok.end_line or 0, tok.end_column or 0, self.file
        )

    def _item_span(self, name: Token, meta: Any) -> ugm.Span:
        """From the item's name (where diagnostics point) to its end."""
        return ugm.Span(name.line or 0, name.column or 0, meta.end_line, meta.end_column, self.file)

    def _extent(self, span: ugm.Span, meta: Any, body: Token | None = None) -> None:
        body_pos = (body.end_line or 0, body.end_column or 0) if body is not None else None
        self.pos.extents[(span.line, span.column)] = ItemExtent(
            (meta.line, meta.column), (meta.end_line, meta.end_column), body_pos
        )

    def _problem(self, span: ugm.Span, message: str) -> None:
        self.pos.problems.append((span, message))

    # -- module --------------------------------------------------------------------------------

    def start(self, meta: Any, children: list[Any]) -> ugm.Module:
        header: tuple[_Leading, _ModuleName, str, Any] = children[0]
        leading, name, version, hmeta = header
        module = ugm.Module(
            name=name.name,
            version=version,
            decls=tuple(children[1:]),
            doc=leading.doc,
            annotations=leading.annotations,
            span=name.span,
        )
        self._extent(name.span, hmeta)
        return module

    def header(self, meta: Any, children: list[Any]) -> tuple[_Leading, _ModuleName, str, Any]:
        leading, name, version_tok = children
        self.pos.version = self._tok_span(version_tok)
        return (leading, name, self._string(version_tok), meta)

    def module_name(self, meta: Any, children: list[Token]) -> _ModuleName:
        first, last = children[0], children[-1]
        span = ugm.Span(
            first.line or 0, first.column or 0, last.end_line or 0, last.end_column or 0, self.file
        )
        return _ModuleName(".".join(str(t) for t in children), span)

    def leading(self, meta: Any, children: list[Any]) -> _Leading:
        if not children:
            return _NO_LEADING
        docs = [str(c) for c in children if isinstance(c, Token)]
        annotations = tuple(c for c in children if isinstance(c, ugm.Annotation))
        return _Leading(doc_text(docs) if docs else None, annotations)

    def annotation(self, meta: Any, children: list[Any]) -> ugm.Annotation:
        args = tuple(c for c in children[1:] if c is not None)
        return ugm.Annotation(str(children[0]), args, self._span(meta))

    # -- declarations --------------------------------------------------------------------------

    def record(self, meta: Any, children: list[Any]) -> ugm.Record:
        leading, name = children[0], children[1]
        span = self._item_span(name, meta)
        self._extent(span, meta, body=name)
        return ugm.Record(
            str(name), tuple(children[2:]), leading.doc, leading.annotations, span=span
        )

    def field(self, meta: Any, children: list[Any]) -> ugm.Field:
        leading, name, type_, default = children
        span = self._item_span(name, meta)
        self._extent(span, meta)
        return ugm.Field(str(name), type_, default, leading.doc, leading.annotations, span)

    def enum(self, meta: Any, children: list[Any]) -> ugm.Enum:
        leading, name = children[0], children[1]
        span = self._item_span(name, meta)
        self._extent(span, meta, body=name)
        return ugm.Enum(str(name), tuple(children[2:]), leading.doc, leading.annotations, span)

    def enum_member(self, meta: Any, children: list[Any]) -> ugm.EnumMember:
        leading, name, value_tok = children
        span = self._item_span(name, meta)
        self._extent(span, meta)
        self.pos.enum_values[(span.line, span.column)] = self._tok_span(value_tok)
        value: int | str
        if value_tok.type == "INT":
            value = int(value_tok)
        else:
            value = self._string(value_tok)
        return ugm.EnumMember(str(name), value, leading.doc, leading.annotations, span)

    def error(self, meta: Any, children: list[Any]) -> ugm.Error:
        leading, name, base = children[0], children[1], children[2]
        span = self._item_span(name, meta)
        self._extent(span, meta, body=base if base is not None else name)
        if base is not None:
            self.pos.bases[(span.line, span.column)] = self._tok_span(base)
        return ugm.Error(
            str(name),
            tuple(children[3:]),
            str(base) if base is not None else None,
            leading.doc,
            leading.annotations,
            span,
        )

    def service(self, meta: Any, children: list[Any]) -> ugm.Service:
        leading, name = children[0], children[1]
        span = self._item_span(name, meta)
        self._extent(span, meta, body=name)
        return ugm.Service(str(name), tuple(children[2:]), leading.doc, leading.annotations, span)

    def class_decl(self, meta: Any, children: list[Any]) -> ugm.Class:
        leading, name = children[0], children[1]
        span = self._item_span(name, meta)
        self._extent(span, meta, body=name)
        constructor: ugm.Constructor | None = None
        methods: list[ugm.Method] = []
        properties: list[ugm.Property] = []
        for member in children[2:]:
            if isinstance(member, ugm.Constructor):
                if constructor is None:
                    constructor = member
                else:
                    assert member.span is not None
                    self._problem(
                        _first_line(member.span, len("constructor")),
                        f"class '{name}' has more than one constructor",
                    )
            elif isinstance(member, ugm.Method):
                methods.append(member)
            else:
                properties.append(member)
        return ugm.Class(
            str(name),
            constructor,
            tuple(methods),
            tuple(properties),
            leading.doc,
            leading.annotations,
            span,
        )

    # -- members -------------------------------------------------------------------------------

    def constructor(self, meta: Any, children: list[Any]) -> ugm.Constructor:
        leading, keyword, params, raises = children
        span = self._item_span(keyword, meta)
        self._extent(span, meta)
        names, spans = raises if raises is not None else ((), ())
        if spans:
            self.pos.raises[(span.line, span.column)] = spans
        return ugm.Constructor(params, names, leading.doc, leading.annotations, span)

    def method(self, meta: Any, children: list[Any]) -> ugm.Method:
        leading, static, name, params, returns, raises = children
        span = self._item_span(name, meta)
        self._extent(span, meta)
        names, spans = raises if raises is not None else ((), ())
        if spans:
            self.pos.raises[(span.line, span.column)] = spans
        return ugm.Method(
            str(name),
            params,
            returns if returns is not None else ugm.Primitive("none"),
            names,
            static is not None,
            leading.doc,
            leading.annotations,
            span,
        )

    def property(self, meta: Any, children: list[Any]) -> ugm.Property:
        leading, first, second, type_ = children
        name = first if second is None else second
        span = self._item_span(name, meta)
        self._extent(span, meta)
        if second is not None and str(first) != "mut":
            self._problem(
                self._tok_span(first),
                f"unexpected name '{first}' before property '{second}'"
                " (only 'mut' may come between 'prop' and the name)",
            )
        return ugm.Property(
            str(name), type_, second is None, leading.doc, leading.annotations, span
        )

    def raises(self, meta: Any, children: list[Token]) -> tuple[tuple[str, ...], tuple[Any, ...]]:
        return tuple(str(t) for t in children), tuple(self._tok_span(t) for t in children)

    def params(self, meta: Any, children: list[Any]) -> tuple[ugm.Param, ...]:
        items = [c for c in children if c is not None]
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
            params.append(ugm.Param(c.name, c.type, c.default, kind, c.span))
        return tuple(params)

    def param(self, meta: Any, children: list[Any]) -> ugm.Param:
        name, type_, default = children
        span = self._item_span(name, meta)
        return ugm.Param(str(name), type_, default, "either", span)

    def slash(self, meta: Any, children: list[Any]) -> _Marker:
        return _Marker("/", self._span(meta))

    def star(self, meta: Any, children: list[Any]) -> _Marker:
        return _Marker("*", self._span(meta))

    # -- types ---------------------------------------------------------------------------------

    def named(self, meta: Any, children: list[Token]) -> ugm.TypeRef:
        name = str(children[0])
        if name in ugm.PRIMITIVES:
            return ugm.Primitive(name, self._span(meta))  # type: ignore[arg-type]
        return ugm.Named(name, self._span(meta))

    def optional(self, meta: Any, children: list[Any]) -> ugm.Optional:
        return ugm.Optional(children[0], self._span(meta))

    def list_of(self, meta: Any, children: list[Any]) -> ugm.ListOf:
        return ugm.ListOf(children[0], self._span(meta))

    def map_of(self, meta: Any, children: list[Any]) -> ugm.MapOf:
        return ugm.MapOf(children[0], children[1], self._span(meta))

    # -- values --------------------------------------------------------------------------------

    def none_lit(self, meta: Any, children: list[Any]) -> ugm.NoneLit:
        return ugm.NoneLit(self._span(meta))

    def true_lit(self, meta: Any, children: list[Any]) -> ugm.BoolLit:
        return ugm.BoolLit(True, self._span(meta))

    def false_lit(self, meta: Any, children: list[Any]) -> ugm.BoolLit:
        return ugm.BoolLit(False, self._span(meta))

    def int_lit(self, meta: Any, children: list[Token]) -> ugm.IntLit:
        return ugm.IntLit(int(children[0]), self._span(meta))

    def float_lit(self, meta: Any, children: list[Token]) -> ugm.FloatLit:
        return ugm.FloatLit(float(children[0]), self._span(meta))

    def str_lit(self, meta: Any, children: list[Token]) -> ugm.StrLit:
        return ugm.StrLit(self._string(children[0]), self._span(meta))

    def bytes_lit(self, meta: Any, children: list[Token]) -> ugm.BytesLit:
        tok = children[0]
        try:
            value = unquote_bytes(str(tok))
        except EscapeError as e:
            self._problem(self._offset_span(tok, e.offset), e.message)
            value = b""
        return ugm.BytesLit(value, self._span(meta))

    def list_lit(self, meta: Any, children: list[Any]) -> ugm.ListLit:
        return ugm.ListLit(tuple(c for c in children if c is not None), self._span(meta))

    def map_lit(self, meta: Any, children: list[Any]) -> ugm.MapLit:
        return ugm.MapLit(tuple(c for c in children if c is not None), self._span(meta))

    def pair(self, meta: Any, children: list[Any]) -> tuple[ugm.Value, ugm.Value]:
        return (children[0], children[1])

    def enum_lit(self, meta: Any, children: list[Token]) -> ugm.EnumLit:
        return ugm.EnumLit(str(children[0]), str(children[1]), self._span(meta))

    # -- tokens --------------------------------------------------------------------------------

    def _string(self, tok: Token) -> str:
        try:
            return unquote_str(str(tok))
        except EscapeError as e:
            self._problem(self._offset_span(tok, e.offset), e.message)
            return ""

    def _offset_span(self, tok: Token, offset: int) -> ugm.Span:
        line, col = tok.line or 0, (tok.column or 0) + offset
        return ugm.Span(line, col, line, col + 1, self.file)


def _first_line(span: ugm.Span, width: int) -> ugm.Span:
    return ugm.Span(span.line, span.column, span.line, span.column + width, span.file)
