"""IDL names are ASCII identifiers, and a few words cannot name a declaration; Python allows more.

Checked after the model is built, so every builder stays simple; an offending member is left out
(a problem is reported for it) and the rest of its declaration is kept.
"""

from __future__ import annotations

import re
from dataclasses import replace

from .. import ugm
from ._context import Context
from ._source import Location

NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
MODULE_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*\Z")
RESERVED_DECL_NAMES = frozenset(ugm.PRIMITIVES) | {"list", "map", "true", "false"}

_FIX = "IDL names are ASCII letters, digits and underscores; rename it"


def check_decl(decl: ugm.Decl, ctx: Context, where: Location) -> ugm.Decl | None:
    """`decl` without members whose names the IDL cannot spell; None if its own name is bad."""
    if not NAME_RE.match(decl.name):
        ctx.problem(decl.name, f"`{decl.name}` is not an IDL name; {_FIX}", where)
        return None
    if decl.name in RESERVED_DECL_NAMES:
        ctx.problem(
            decl.name, f"`{decl.name}` is a reserved word of the IDL; rename the declaration", where
        )
        return None

    def ok(name: str) -> bool:
        if NAME_RE.match(name):
            return True
        ctx.problem(f"{decl.name}.{name}", f"`{name}` is not an IDL name; {_FIX}", where)
        return False

    def params_ok(params: tuple[ugm.Param, ...]) -> bool:
        return all([ok(p.name) for p in params])

    if isinstance(decl, ugm.Record | ugm.Error):
        return replace(decl, fields=tuple(f for f in decl.fields if ok(f.name)))
    if isinstance(decl, ugm.Enum):
        return replace(decl, members=tuple(m for m in decl.members if ok(m.name)))
    methods = tuple(m for m in decl.methods if ok(m.name) and params_ok(m.params))
    if isinstance(decl, ugm.Service):
        return replace(decl, methods=methods)
    ctor = decl.constructor
    if ctor is not None and not params_ok(ctor.params):
        ctor = None
    props = tuple(p for p in decl.properties if ok(p.name))
    return replace(decl, constructor=ctor, methods=methods, properties=props)
