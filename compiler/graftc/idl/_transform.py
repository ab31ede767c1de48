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

from typing import Any

from graftcode_runtime import ugm
from lark import Token, Transformer

from graftc.idl._positions import (
    CURRENT,
    NO_LEADING,
    TYPES,
    VALUES,
    Header,
    ItemExtent,
    Leading,
    Marker,
    Params,
    Raises,
    doc_text,
    end_of,
    first_of,
    int_token,
    names_of,
    of_kind,
    span_of,
    start_of,
    string_token,
    tok_span,
)
from graftc.idl._transform_values import TypeValueCallbacks


class ToUGM(TypeValueCallbacks, Transformer[Token, Any]):
    """Inline callbacks, one per grammar rule or alias; each takes its rule's children."""

    # -- helpers -------------------------------------------------------------------------------

    @staticmethod
    def _item(name: Token, children: list[Any], body: Token | None = None) -> ugm.Span:
        """Record the item's extent and return its span: from its name to its end."""
        pos = CURRENT.get()
        end = end_of(children)
        span = ugm.Span(name.line or 0, name.column or 0, end[0], end[1], pos.file)
        body_pos = (body.end_line or 0, body.end_column or 0) if body is not None else None
        pos.extents[(span.line, span.column)] = ItemExtent(start_of(children), end, body_pos)
        return span

    @staticmethod
    def _problem(span: ugm.Span, message: str) -> None:
        CURRENT.get().problems.append((span, message))

    # -- module --------------------------------------------------------------------------------

    def start(self, children: list[Any]) -> ugm.Module:
        header: Header = children[0]
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

    def header(self, children: list[Any]) -> Header:
        pos = CURRENT.get()
        leading = children[0]
        name: tuple[str, ugm.Span] = children[2]
        version_tok = next(c for c in children if isinstance(c, Token) and c.type == "STRING")
        pos.version = tok_span(version_tok, pos.file)
        extent = ItemExtent(start_of(children), end_of(children))
        return Header(leading, name[0], name[1], string_token(version_tok), extent)

    def module_name(self, children: list[Token]) -> tuple[str, ugm.Span]:
        names = names_of(children)
        return ".".join(str(t) for t in names), span_of(children, CURRENT.get().file)

    def leading(self, children: list[Any]) -> Leading:
        if not children:
            return NO_LEADING
        docs = [str(c) for c in children if isinstance(c, Token)]
        annotations = tuple(c for c in children if isinstance(c, ugm.Annotation))
        return Leading(doc_text(docs) if docs else None, annotations, start_of(children))

    def annotation(self, children: list[Any]) -> ugm.Annotation:
        name = names_of(children)[0]
        args = tuple(of_kind(children, VALUES))
        return ugm.Annotation(str(name), args, span_of(children, CURRENT.get().file))

    # -- declarations --------------------------------------------------------------------------

    def record(self, children: list[Any]) -> ugm.Record:
        leading: Leading = children[0]
        name = names_of(children)[0]
        span = self._item(name, children, body=name)
        fields = tuple(of_kind(children, (ugm.Field,)))
        return ugm.Record(str(name), fields, leading.doc, leading.annotations, span)

    def field(self, children: list[Any]) -> ugm.Field:
        leading: Leading = children[0]
        name = names_of(children)[0]
        span = self._item(name, children)
        type_ = first_of(children, TYPES)
        default = first_of(children, VALUES)
        return ugm.Field(str(name), type_, default, leading.doc, leading.annotations, span)

    def enum(self, children: list[Any]) -> ugm.Enum:
        leading: Leading = children[0]
        name = names_of(children)[0]
        span = self._item(name, children, body=name)
        members = tuple(of_kind(children, (ugm.EnumMember,)))
        return ugm.Enum(str(name), members, leading.doc, leading.annotations, span)

    def enum_member(self, children: list[Any]) -> ugm.EnumMember:
        leading: Leading = children[0]
        name = names_of(children)[0]
        span = self._item(name, children)
        value_tok = next(
            c for c in children if isinstance(c, Token) and c.type in ("INT", "STRING")
        )
        pos = CURRENT.get()
        pos.enum_values[(span.line, span.column)] = tok_span(value_tok, pos.file)
        value: int | str = (
            int_token(value_tok) if value_tok.type == "INT" else string_token(value_tok)
        )
        return ugm.EnumMember(str(name), value, leading.doc, leading.annotations, span)

    def error(self, children: list[Any]) -> ugm.Error:
        leading: Leading = children[0]
        names = names_of(children)
        name = names[0]
        base = names[1] if len(names) > 1 else None
        span = self._item(name, children, body=base or name)
        if base is not None:
            pos = CURRENT.get()
            pos.bases[(span.line, span.column)] = tok_span(base, pos.file)
        fields = tuple(of_kind(children, (ugm.Field,)))
        base_name = str(base) if base is not None else None
        return ugm.Error(str(name), fields, base_name, leading.doc, leading.annotations, span)

    def service(self, children: list[Any]) -> ugm.Service:
        leading: Leading = children[0]
        name = names_of(children)[0]
        span = self._item(name, children, body=name)
        methods = tuple(of_kind(children, (ugm.Method,)))
        return ugm.Service(str(name), methods, leading.doc, leading.annotations, span)

    def class_decl(self, children: list[Any]) -> ugm.Class:
        leading: Leading = children[0]
        name = names_of(children)[0]
        span = self._item(name, children, body=name)
        constructor: ugm.Constructor | None = None
        for member in of_kind(children, (ugm.Constructor,)):
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
            tuple(of_kind(children, (ugm.Method,))),
            tuple(of_kind(children, (ugm.Property,))),
            leading.doc,
            leading.annotations,
            span,
        )

    # -- members -------------------------------------------------------------------------------

    def constructor(self, children: list[Any]) -> ugm.Constructor:
        leading: Leading = children[0]
        keyword = next(c for c in children if isinstance(c, Token) and c.type == "CONSTRUCTOR")
        span = self._item(keyword, children)
        params: Params = first_of(children, (Params,))
        raises = self._raises(span, children)
        return ugm.Constructor(params.params, raises, leading.doc, leading.annotations, span)

    def method(self, children: list[Any]) -> ugm.Method:
        leading: Leading = children[0]
        name = names_of(children)[0]
        span = self._item(name, children)
        static = any(isinstance(c, Token) and c.type == "STATIC" for c in children)
        params: Params = first_of(children, (Params,))
        returns = first_of(children, TYPES) or ugm.Primitive("none")
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
        raises: Raises | None = first_of(children, (Raises,))
        if raises is None:
            return ()
        CURRENT.get().raises[(span.line, span.column)] = raises.spans
        return raises.names

    def property(self, children: list[Any]) -> ugm.Property:
        leading: Leading = children[0]
        names = names_of(children)
        name = names[-1]
        span = self._item(name, children)
        if len(names) > 1 and str(names[0]) != "mut":
            self._problem(
                tok_span(names[0], span.file),
                f"unexpected name '{names[0]}' before property '{name}'"
                " (only 'mut' may come between 'prop' and the name)",
            )
        type_ = first_of(children, TYPES)
        readonly = len(names) == 1
        return ugm.Property(str(name), type_, readonly, leading.doc, leading.annotations, span)

    def raises(self, children: list[Token]) -> Raises:
        names = names_of(children)
        file = CURRENT.get().file
        return Raises(tuple(str(t) for t in names), tuple(tok_span(t, file) for t in names))

    def params(self, children: list[Any]) -> Params:
        items = of_kind(children, (ugm.Param, Marker))
        slash = [i for i, c in enumerate(items) if isinstance(c, Marker) and c.kind == "/"]
        star = [i for i, c in enumerate(items) if isinstance(c, Marker) and c.kind == "*"]
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
            if isinstance(c, Marker):
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
        return Params(tuple(params))

    def param(self, children: list[Any]) -> ugm.Param:
        name = names_of(children)[0]
        end = end_of(children)
        span = ugm.Span(name.line or 0, name.column or 0, end[0], end[1], CURRENT.get().file)
        return ugm.Param(
            str(name), first_of(children, TYPES), first_of(children, VALUES), "either", span
        )

    def slash(self, children: list[Any]) -> Marker:
        return Marker("/", span_of(children, CURRENT.get().file))

    def star(self, children: list[Any]) -> Marker:
        return Marker("*", span_of(children, CURRENT.get().file))
