"""Enums, records and errors -> the Go model: typed constants with `String()`, structs, and
error structs that embed their base (so `errors.As` finds a `*NotFound` as a `*ShopError`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from graftcode_runtime import ugm

from graftc.targets.go import naming
from graftc.targets.go.model import GoEnum, GoEnumMember, GoError, GoField, GoRecord
from graftc.targets.go.values import GoValues, enum_const, go_string, go_value

if TYPE_CHECKING:
    from graftc.targets.go.lower import Context


def enum(ctx: Context, e: ugm.Enum) -> GoEnum:
    base = "int64" if all(isinstance(m.value, int) for m in e.members) else "string"
    members = tuple(
        GoEnumMember(
            ctx.top.claim(enum_const(e.name, m.name), f"{e.name}.{m.name}", m.span),
            str(m.value) if isinstance(m.value, int) else go_string(m.value),
            ctx.doc(m),
        )
        for m in e.members
    )
    wire = tuple(m.name for m in e.members)
    lead = f"{e.name} is the enum {e.name}; its members are the {e.name}* constants."
    return GoEnum(e.name, base, members, wire, ctx.doc(e, lead=lead))


def fields(ctx: Context, what: str, items: tuple[ugm.Field, ...], *reserved: str) -> list[GoField]:
    scope = ctx.scope(what)
    scope.reserve(*reserved)
    params = ctx.scope(f"the parameters of New{what.split()[-1]}")
    out = []
    for f in items:
        conv = ctx.conv(f.type, f)
        default = None
        note: tuple[str, ...] = ()
        if f.default is not None:
            default = go_value(
                f.default,
                GoValues(ctx.types.go, ctx.error, f, ctx.module, wrap=ctx.types.wrap),
                f.type,
            )
            note = (f"Default: {ctx.default_note(f.default)}.",)
        out.append(
            GoField(
                name=scope.claim(naming.exported(f.name), f.name, f.span),
                wire=f.name,
                type=conv.go,
                conv=conv.key,
                doc=ctx.doc(f, note),
                default=default,
                param="" if default else params.claim(naming.unexported(f.name), f.name, f.span),
            )
        )
    return out


def record(ctx: Context, r: ugm.Record) -> GoRecord:
    items = tuple(fields(ctx, f"record {r.name}", r.fields))
    constructor = ""
    if any(f.default is not None for f in items):
        constructor = ctx.top.claim(f"New{r.name}", f"the constructor of record {r.name}", r.span)
    return GoRecord(
        r.name, items, ctx.doc(r, lead=f"{r.name} is the record {r.name}."), constructor
    )


def error(ctx: Context, e: ugm.Error, by_name: dict[str, ugm.Error]) -> GoError:
    chain: list[ugm.Error] = []  # the bases, nearest first
    seen = {e.name}
    base = by_name.get(e.base) if e.base else None
    while base is not None and base.name not in seen:
        chain.append(base)
        seen.add(base.name)
        base = by_name.get(base.base) if base.base else None
    selectors: list[str] = []
    path = ""
    for b in chain:
        path = f"{path}.{b.name}" if path else b.name
        selectors.append(path)
    own = fields(ctx, f"error {e.name}", e.fields, *naming.ERROR_RESERVED, *(b.name for b in chain))
    everything: list[tuple[str, GoField]] = [("", f) for f in own]
    for b, sel in zip(chain, selectors, strict=True):
        everything += [(sel + ".", f) for f in fields(ctx, f"error {b.name}", b.fields)]
    return GoError(
        name=e.name,
        base=chain[0].name if chain else None,
        bases=tuple((b.name, sel) for b, sel in zip(chain, selectors, strict=True)),
        fields=tuple(own),
        all_fields=tuple(everything),
        root=selectors[-1] if selectors else "",
        doc=ctx.doc(e, lead=f"{e.name} is the declared error {e.name}."),
    )
