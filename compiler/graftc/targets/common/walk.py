"""Walks over a module: its selectable members, every typed position, every span.

Vision lists `members_of(module)` and asks each target for a snippet per member; the dev server
checks `typed_positions` before generating anything and names the member at fault from
`spans`. Targets walk the same lists, so a member Vision shows is a member they generate.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from graftcode_runtime import ugm

Node = ugm.Method | ugm.Constructor | ugm.Property | None


@dataclass(frozen=True)
class Member:
    """A declaration (`node` None) or one member of a service or class."""

    module: ugm.Module
    decl: ugm.Decl
    node: Node

    @property
    def id(self) -> str:
        base = f"{self.module.name}.{self.decl.name}"
        if self.node is None:
            return base
        if isinstance(self.node, ugm.Constructor):
            return f"{base}.constructor"
        return f"{base}.{self.node.name}"

    @property
    def anchor(self) -> str:
        return "m-" + re.sub(r"[^A-Za-z0-9_-]", "-", self.id)

    @property
    def label(self) -> str:
        if self.node is None:
            return self.decl.name
        if isinstance(self.node, ugm.Constructor):
            return f"{self.decl.name}()"
        if isinstance(self.node, ugm.Property):
            return f"{self.decl.name}.{self.node.name}"
        return f"{self.decl.name}.{self.node.name}()"

    @property
    def deprecated(self) -> str | None:
        return ugm.deprecation(self.node if self.node is not None else self.decl)

    @property
    def callable(self) -> bool:
        return self.node is not None


def members_of(module: ugm.Module) -> list[Member]:
    """Every selectable member, in declaration order: a service's functions, a class's
    constructor, methods and properties, and every other declaration as a whole."""
    out: list[Member] = []
    for d in module.decls:
        if isinstance(d, ugm.Service):
            out += [Member(module, d, m) for m in d.methods]
        elif isinstance(d, ugm.Class):
            if d.constructor is not None:
                out.append(Member(module, d, d.constructor))
            out += [Member(module, d, m) for m in d.methods]
            out += [Member(module, d, p) for p in d.properties]
        else:
            out.append(Member(module, d, None))
    return out


def children(t: ugm.TypeRef) -> tuple[ugm.TypeRef, ...]:
    """The types `t` is made of: an optional's inner type, a list's item, a map's key and
    value, a union's members, a tuple's items; none for a primitive, a literal set or a
    declared type."""
    if isinstance(t, ugm.Optional):
        return (t.inner,)
    if isinstance(t, ugm.ListOf):
        return (t.item,)
    if isinstance(t, ugm.MapOf):
        return (t.key, t.value)
    if isinstance(t, ugm.UnionOf):
        return t.members
    if isinstance(t, ugm.TupleOf):
        return t.items
    return ()


def typed_positions(m: ugm.Module) -> Iterator[tuple[str, ugm.TypeRef]]:
    """(where, type) for every field, parameter, result and property: `Cart.add(qty)`,
    `shop.get (return)`, `Product.price`."""
    for d in m.decls:
        if isinstance(d, ugm.Record | ugm.Error):
            yield from ((f"{d.name}.{f.name}", f.type) for f in d.fields)
        elif isinstance(d, ugm.Service | ugm.Class):
            for meth in d.methods:
                yield from ((f"{d.name}.{meth.name}({p.name})", p.type) for p in meth.params)
                yield (f"{d.name}.{meth.name} (return)", meth.returns)
            if isinstance(d, ugm.Class):
                yield from ((f"{d.name}.{p.name}", p.type) for p in d.properties)
                if d.constructor:
                    yield from ((f"{d.name}({p.name})", p.type) for p in d.constructor.params)


def spans(m: ugm.Module) -> Iterator[tuple[str, ugm.Span | None]]:
    """(name, span) for every declaration and member: `Cart`, `Cart.add`, `Cart.constructor`."""
    for d in m.decls:
        yield (d.name, d.span)
        if isinstance(d, ugm.Record | ugm.Error):
            yield from ((f"{d.name}.{f.name}", f.span) for f in d.fields)
        elif isinstance(d, ugm.Enum):
            yield from ((f"{d.name}.{x.name}", x.span) for x in d.members)
        elif isinstance(d, ugm.Service | ugm.Class):
            yield from ((f"{d.name}.{x.name}", x.span) for x in d.methods)
            if isinstance(d, ugm.Class):
                yield from ((f"{d.name}.{p.name}", p.span) for p in d.properties)
                if d.constructor is not None:
                    yield (f"{d.name}.constructor", d.constructor.span)


def idempotent_members(module: ugm.Module) -> tuple[tuple[str, str], ...]:
    """(target, member) of every function and method marked `@idempotent`: what a generated
    client may retry after UNAVAILABLE (docs/deploy.md, "Retry policy")."""
    return tuple(
        (m.decl.name, m.node.name)
        for m in members_of(module)
        if isinstance(m.node, ugm.Method) and ugm.annotation(m.node, "idempotent") is not None
    )
