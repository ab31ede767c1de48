"""After the declarations are built: which ones the output keeps.

`reachable` keeps the roots and everything they use. Under `--skip-unsupported`, `prune` first
leaves out members that use a declaration that was itself left out, until nothing changes, so the
output never names a type it does not declare.
"""

from __future__ import annotations

from dataclasses import replace

from .. import ugm
from ._context import Context
from ._problems import Problem


def references(decl: ugm.Decl) -> set[str]:
    """Names of the declarations that `decl` uses."""
    out: set[str] = set()

    def add(t: ugm.TypeRef) -> None:
        out.update(x.name for x in ugm.walk_types(t) if isinstance(x, ugm.Named))

    if isinstance(decl, ugm.Record | ugm.Error):
        for f in decl.fields:
            add(f.type)
        if isinstance(decl, ugm.Error) and decl.base:
            out.add(decl.base)
    elif isinstance(decl, ugm.Service | ugm.Class):
        for m in decl.methods:
            for p in m.params:
                add(p.type)
            add(m.returns)
            out.update(m.raises)
        if isinstance(decl, ugm.Class):
            for prop in decl.properties:
                add(prop.type)
            if decl.constructor is not None:
                for p in decl.constructor.params:
                    add(p.type)
                out.update(decl.constructor.raises)
    out.discard(decl.name)
    return out


def reachable(
    built: dict[object, ugm.Decl], names: dict[object, str], roots: list[object]
) -> list[object]:
    """Roots and every declaration they use, transitively."""
    by_name = {names[o]: o for o in built}
    todo = [o for o in roots if o in built]
    kept: set[object] = set(todo)
    while todo:
        for ref in references(built[todo.pop()]):
            obj = by_name.get(ref)
            if obj is not None and obj not in kept:
                kept.add(obj)
                todo.append(obj)
    return list(kept)


def member_names(decl: ugm.Decl, service: str) -> list[str]:
    """The members a report counts: each function of the service and each method, property and
    constructor of a class (`Cart.add`, `Cart.__init__`); records, enums and errors as a whole,
    since they are data. Named as export problems name them."""
    if isinstance(decl, ugm.Service):
        return [f"{service}.{m.name}" for m in decl.methods]
    if isinstance(decl, ugm.Class):
        ctor = [f"{decl.name}.__init__"] if decl.constructor is not None else []
        methods = [f"{decl.name}.{m.name}" for m in decl.methods]
        return [*ctor, *methods, *(f"{decl.name}.{p.name}" for p in decl.properties)]
    return [decl.name]


def prune(
    built: dict[object, ugm.Decl], names: dict[object, str], roots: list[object], ctx: Context
) -> list[Problem]:
    """Under skip_unsupported: leave out members that use a declaration that was left out."""
    notes: list[Problem] = []
    changed = True
    while changed:
        changed = False
        available = {names[o] for o in built}
        for obj, decl in list(built.items()):
            missing = references(decl) - available
            if not missing:
                continue
            changed = True
            where = ctx.source.locate(obj)
            gone = ", ".join(sorted(missing))
            fixed = _without(decl, missing)
            if fixed is None:
                del built[obj]
                notes.append(
                    Problem(
                        decl.name,
                        f"left out because it uses {gone}, which was left out",
                        where.file,
                        where.line,
                        where.column,
                    )
                )
            else:
                built[obj] = fixed
                notes.append(
                    Problem(
                        decl.name,
                        f"members using {gone} were left out",
                        where.file,
                        where.line,
                        where.column,
                    )
                )
    return notes


def _without(decl: ugm.Decl, missing: set[str]) -> ugm.Decl | None:
    def uses(*ts: ugm.TypeRef) -> bool:
        return any(
            isinstance(x, ugm.Named) and x.name in missing for t in ts for x in ugm.walk_types(t)
        )

    if isinstance(decl, ugm.Record):
        return None
    if isinstance(decl, ugm.Error):
        base = None if decl.base in missing else decl.base
        return replace(decl, fields=tuple(f for f in decl.fields if not uses(f.type)), base=base)
    if isinstance(decl, ugm.Service | ugm.Class):
        methods = tuple(
            m
            for m in decl.methods
            if not uses(*(p.type for p in m.params), m.returns) and not set(m.raises) & missing
        )
        if isinstance(decl, ugm.Service):
            return replace(decl, methods=methods)
        ctor = decl.constructor
        if ctor is not None and (
            uses(*(p.type for p in ctor.params)) or set(ctor.raises) & missing
        ):
            ctor = None
        props = tuple(p for p in decl.properties if not uses(p.type))
        return replace(decl, methods=methods, properties=props, constructor=ctor)
    return decl
