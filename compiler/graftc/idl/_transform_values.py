"""The Transformer callbacks for types and literal values (`ToUGM` inherits them)."""

from __future__ import annotations

from typing import Any, cast

from graftcode_runtime import ugm
from lark import Token

from graftc.idl._literals import EscapeError, unquote_bytes
from graftc.idl._positions import (
    CURRENT,
    TYPES,
    VALUES,
    first_of,
    int_token,
    names_of,
    of_kind,
    offset_span,
    span_of,
    string_token,
    tok_span,
)


class TypeValueCallbacks:
    # -- types ---------------------------------------------------------------------------------

    def named(self, children: list[Token]) -> ugm.TypeRef:
        tok = children[0]
        name = str(tok)
        span = tok_span(tok, CURRENT.get().file)
        if name in ugm.PRIMITIVES:
            return ugm.Primitive(cast(ugm.PrimitiveName, name), span)  # checked just above
        return ugm.Named(name, span)

    def optional(self, children: list[Any]) -> ugm.Optional:
        return ugm.Optional(children[0], span_of(children, CURRENT.get().file))

    def list_of(self, children: list[Any]) -> ugm.ListOf:
        return ugm.ListOf(first_of(children, TYPES), span_of(children, CURRENT.get().file))

    def stream_of(self, children: list[Any]) -> ugm.StreamOf:
        return ugm.StreamOf(first_of(children, TYPES), span_of(children, CURRENT.get().file))

    def map_of(self, children: list[Any]) -> ugm.MapOf:
        key, value = of_kind(children, TYPES)
        return ugm.MapOf(key, value, span_of(children, CURRENT.get().file))

    def tuple_of(self, children: list[Any]) -> ugm.TupleOf:
        return ugm.TupleOf(tuple(of_kind(children, TYPES)), span_of(children, CURRENT.get().file))

    def str_member(self, children: list[Token]) -> ugm.LiteralOf:
        span = tok_span(children[0], CURRENT.get().file)
        return ugm.LiteralOf((ugm.StrLit(string_token(children[0]), span),), span)

    def int_member(self, children: list[Token]) -> ugm.LiteralOf:
        span = tok_span(children[0], CURRENT.get().file)
        return ugm.LiteralOf((ugm.IntLit(int_token(children[0]), span),), span)

    def union_of(self, children: list[Any]) -> ugm.TypeRef:
        """Flattens `A | B? | "x" | none`: `none` and `?` make the whole union optional, and
        the literal members gather into one literal set where the first of them stood."""
        span = span_of(children, CURRENT.get().file)
        members: list[ugm.TypeRef] = []
        literals: list[ugm.LiteralValue] = []
        nullable = False
        for m in of_kind(children, TYPES):
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
        return ugm.NoneLit(tok_span(children[0], CURRENT.get().file))

    def true_lit(self, children: list[Token]) -> ugm.BoolLit:
        return ugm.BoolLit(True, tok_span(children[0], CURRENT.get().file))

    def false_lit(self, children: list[Token]) -> ugm.BoolLit:
        return ugm.BoolLit(False, tok_span(children[0], CURRENT.get().file))

    def int_lit(self, children: list[Token]) -> ugm.IntLit:
        return ugm.IntLit(int_token(children[0]), tok_span(children[0], CURRENT.get().file))

    def float_lit(self, children: list[Token]) -> ugm.FloatLit:
        return ugm.FloatLit(float(children[0]), tok_span(children[0], CURRENT.get().file))

    def str_lit(self, children: list[Token]) -> ugm.StrLit:
        tok = children[0]
        return ugm.StrLit(string_token(tok), tok_span(tok, CURRENT.get().file))

    def bytes_lit(self, children: list[Token]) -> ugm.BytesLit:
        tok = children[0]
        try:
            value = unquote_bytes(str(tok))
        except EscapeError as e:
            CURRENT.get().problems.append((offset_span(tok, e.offset), e.message))
            value = b""
        return ugm.BytesLit(value, tok_span(tok, CURRENT.get().file))

    def list_lit(self, children: list[Any]) -> ugm.ListLit:
        return ugm.ListLit(tuple(of_kind(children, VALUES)), span_of(children, CURRENT.get().file))

    def map_lit(self, children: list[Any]) -> ugm.MapLit:
        pairs = tuple(c for c in children if isinstance(c, tuple))
        return ugm.MapLit(pairs, span_of(children, CURRENT.get().file))

    def pair(self, children: list[Any]) -> tuple[ugm.Value, ugm.Value]:
        key, value = of_kind(children, VALUES)
        return (key, value)

    def enum_lit(self, children: list[Token]) -> ugm.EnumLit:
        enum, member = names_of(children)
        return ugm.EnumLit(str(enum), str(member), span_of(children, CURRENT.get().file))
