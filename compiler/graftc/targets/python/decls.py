"""Enums, records and errors -> the model: `enum` classes, frozen dataclasses with their wire
converters, and exception classes that carry their fields."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from graftcode_runtime import ugm

from graftc.targets.common.scopes import Scope
from graftc.targets.python import model as m
from graftc.targets.python import naming
from graftc.targets.python.types import Where, annotation, from_wire, to_wire, wire_ref
from graftc.targets.python.values import default, string_literal

if TYPE_CHECKING:
    from graftc.targets.python.lower import Context


def enum(ctx: Context, d: ugm.Enum) -> m.EnumDef:
    w = Where(ctx.files["_types"])
    w.imports.std("enum")
    kinds = {type(x.value) for x in d.members}
    base = "enum.IntEnum" if kinds == {int} else "enum.StrEnum" if kinds == {str} else "enum.Enum"
    scope = ctx.scope(f"enum {d.name}")
    members = tuple(
        m.EnumMember(
            scope.claim(naming.attribute(x.name, naming.ENUM_RESERVED), x.name, x.span),
            repr(x.value),
            ctx.doc(x.doc),
        )
        for x in d.members
    )
    return m.EnumDef(
        ctx.py[d.name],
        base,
        members,
        ctx.doc(d.doc),
        ctx.deprecated(d, w.imports, d.name, warns=False),
    )


def fields(
    ctx: Context,
    items: Sequence[ugm.Field],
    scope: Scope,
    w: Where,
    reserved: frozenset[str],
    reader: str = "_convert",
) -> tuple[m.FieldDef, ...]:
    """Fields of a record (`reader` `_convert`) or an error (`_errors`): the declaration in
    `w`'s file and the conversions in the reader's."""
    out: list[m.FieldDef] = []
    for f in items:
        spell = naming.escape if reader == "_errors" else naming.attribute
        name = scope.claim(spell(f.name, reserved), f.name, f.span)
        ann = annotation(ctx, f.type, w)
        conv = Where(ctx.files[reader], reader == "_convert")
        if f.default is None:
            declaration = ""
            src = (
                f"m[{string_literal(f.name)}]"  # inside the converter's `try`: see _convert.py.j2
                if reader == "_convert"
                else f"{wire_ref(conv)}.field(m, {string_literal(f.name)}, {string_literal(scope.what)})"
            )
            from_w = from_wire(ctx, f.type, src, conv)
        else:
            from_w = from_wire(ctx, f.type, f"m[{string_literal(f.name)}]", conv)
            value = default(ctx, f.default, f.type, w)
            fresh = default(ctx, f.default, f.type, conv)
            if isinstance(f.default, ugm.ListLit | ugm.MapLit):
                w.imports.std("dataclasses", "field")
                empty = not f.default.items
                factory = (
                    ("list" if isinstance(f.default, ugm.ListLit) else "dict")
                    if empty
                    else f"lambda: {value}"
                )
                declaration = f" = field(default_factory={factory})"
            else:
                declaration = f" = {value}"
            from_w = f"{from_w} if {string_literal(f.name)} in m else {fresh}"
        out.append(
            m.FieldDef(
                name=name,
                wire_name=f.name,
                annotation=ann,
                declaration=declaration,
                from_wire=from_w,
                to_wire=to_wire(ctx, f.type, f"v.{name}", conv),
                doc=ctx.doc(f.doc),
            )
        )
    return tuple(out)


def record(ctx: Context, d: ugm.Record) -> m.RecordDef:
    w = Where(ctx.files["_types"])
    w.imports.std("dataclasses", "dataclass")
    items = fields(ctx, d.fields, ctx.scope(f"record {d.name}"), w, frozenset())
    # a required field after a defaulted one is only allowed keyword-only
    defaults = [f.default is not None for f in d.fields]
    kw_only = any(not has and any(defaults[:i]) for i, has in enumerate(defaults))
    py = ctx.py[d.name]
    ctx.files["_convert"].rel("._types", py)
    return m.RecordDef(
        py,
        d.name,
        items,
        kw_only,
        ctx.doc(d.doc),
        ctx.deprecated(d, w.imports, d.name, warns=False),
        f"{naming.snake(py)}_from_wire",
        f"{naming.snake(py)}_to_wire",
    )


def error(ctx: Context, d: ugm.Error) -> m.ErrorDef:
    w = Where(ctx.files["_errors"])
    chain: list[ugm.Error] = []
    base = d.base
    while base is not None:
        b = ctx.decls.get(base)
        if not isinstance(b, ugm.Error) or b in chain or b is d:
            if not isinstance(b, ugm.Error):
                ctx.error(d, f"error {d.name!r} extends {base!r}, which is not an error")
            break
        chain.insert(0, b)
        base = b.base
    inherited_names: set[str] = set()
    inherited: list[ugm.Field] = []
    for b in chain:
        for f in b.fields:
            if f.name not in inherited_names:
                inherited_names.add(f.name)
                inherited.append(f)
    own = [f for f in d.fields if f.name not in inherited_names]
    scope = ctx.scope(f"error {d.name}")
    base_fields = fields(ctx, inherited, scope, w, naming.ERROR_RESERVED, "_errors")
    own_fields = fields(ctx, own, scope, w, naming.ERROR_RESERVED, "_errors")
    all_fields = (*base_fields, *own_fields)
    ugm_fields = (*inherited, *own)
    keyword_only = any(
        f.default is None and any(g.default is not None for g in ugm_fields[:i])
        for i, f in enumerate(ugm_fields)
    )
    params = []
    for f, pf in zip(ugm_fields, all_fields, strict=True):
        value = "" if f.default is None else f" = {default(ctx, f.default, f.type, w, param=True)}"
        params.append(f"{pf.name}: {pf.annotation}{value}")
    message = 'message: str = ""'
    init = ", ".join(
        ["*", *params, message] if keyword_only or not params else [*params, "*", message]
    )
    return m.ErrorDef(
        name=ctx.py[d.name],
        wire_name=d.name,
        base=ctx.py[d.base] if d.base and d.base in ctx.py else "Exception",
        fields=all_fields,
        own_fields=own_fields,
        base_fields=base_fields,
        init_params=init,
        doc=ctx.doc(d.doc),
        deprecated=ctx.deprecated(d, w.imports, d.name, warns=False),
    )
