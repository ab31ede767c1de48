"""Enums, records and errors -> the TypeScript model: `as const` objects with value unions,
interfaces with `Init` twins (defaults optional), and `RemoteError` subclasses."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from graftcode_runtime import ugm

from graftc.targets.typescript import naming
from graftc.targets.typescript.model import TsEnum, TsEnumMember, TsError, TsField, TsRecord
from graftc.targets.typescript.types import desc, ts_type
from graftc.targets.typescript.values import TsValues, spell

if TYPE_CHECKING:
    from graftc.targets.typescript.lower import Context


def enum(ctx: Context, e: ugm.Enum) -> TsEnum:
    members = tuple(TsEnumMember(m.name, json.dumps(m.value), ctx.doc(m)) for m in e.members)
    values = ", ".join(json.dumps(m.value) for m in e.members)
    return TsEnum(e.name, members, ctx.doc(e), f"t.enum({json.dumps(e.name)}, [{values}])")


def fields(ctx: Context, what: str, items: tuple[ugm.Field, ...]) -> tuple[TsField, ...]:
    scope = ctx.scope(what)
    out: list[TsField] = []
    for f in items:
        name = scope.claim(naming.camel(f.name), f.name, f.span)
        default = None
        if f.default is not None:
            default = spell(f.default, TsValues(ctx.error, f), f.type)
        out.append(
            TsField(
                name=name,
                wire=f.name,
                type=ts_type(ctx, f.type, "out"),
                init_type=ts_type(ctx, f.type, "in"),
                optional_in_init=f.default is not None or isinstance(f.type, ugm.Optional),
                desc=desc(ctx, f.type),
                default=default,
                doc=ctx.doc(f),
            )
        )
    return tuple(out)


def record(ctx: Context, r: ugm.Record) -> TsRecord:
    items = fields(ctx, f"record {r.name}", r.fields)
    return TsRecord(r.name, items, ctx.doc(r))


def error(ctx: Context, e: ugm.Error) -> TsError:
    items = fields(ctx, f"error {e.name}", e.fields)
    for f in items:
        if f.name in naming.ERROR_PROPERTIES:
            ctx.error(
                e, f"{e.name}: a field called {f.wire!r} would hide the Error property {f.name!r}"
            )
    base = e.base if e.base is not None else "RemoteError"
    return TsError(e.name, base, e.base is None, items, ctx.doc(e))
