"""Services and classes -> the TypeScript model: every callable is an `async` method taking
its positional parameters, then one options object with its keyword parameters and the call
options; properties become `getX()`/`setX()` methods."""

from __future__ import annotations

from typing import TYPE_CHECKING

from graftcode_runtime import ugm

from graftc.targets.common.scopes import Scope
from graftc.targets.typescript import naming
from graftc.targets.typescript.model import TsClass, TsMethod, TsParam, TsService, comment_safe
from graftc.targets.typescript.types import desc, is_none, ts_type
from graftc.targets.typescript.values import note

if TYPE_CHECKING:
    from graftc.targets.typescript.lower import Context


def method(
    ctx: Context,
    owner: str,
    name: str,
    kind: str,
    wire: tuple[str, str],
    params: tuple[ugm.Param, ...],
    returns: ugm.TypeRef,
    raises: tuple[str, ...],
    node: object,
) -> TsMethod:
    """`wire` is (target, member) as the gateway names them; `owner` prefixes the name of the
    options interface (`ShopListProductsOptions`)."""
    streams = isinstance(returns, ugm.StreamOf)
    positional: list[TsParam] = []
    keywords: list[TsParam] = []
    doc_params: list[tuple[str, str]] = []
    scope = ctx.scope(f"the parameters of {owner}.{wire[1]}")
    for p in params:
        binding = naming.binding(p.name)
        if p.kind != "keyword" and binding in naming.BODY_NAMES:
            binding += "_"  # the generated signature has its own parameter of that name
        scope.claim(binding, p.name, p.span)
        tp = TsParam(
            name=binding,
            wire=p.name,
            kind=p.kind,
            type=ts_type(ctx, p.type, "in"),
            optional=p.default is not None,
            desc=desc(ctx, p.type),
        )
        default = "" if p.default is None else f" (default `{comment_safe(note(p.default))}`)"
        if p.kind == "keyword":
            if binding in naming.CALL_OPTION_KEYS:
                ctx.error(
                    p, f"the keyword parameter {p.name!r} clashes with the call option {binding!r}"
                )
            keywords.append(tp)
            doc_params.append((f"options.{binding}", f"keyword argument `{p.name}`{default}"))
        else:
            positional.append(tp)
            if default:
                doc_params.append((binding, f"optional{default}"))
    return TsMethod(
        name=name,
        spec_name=name,
        kind=kind,
        wire_target=wire[0],
        wire_member=wire[1],
        positional=tuple(positional),
        keywords=tuple(keywords),
        options_type=f"{owner}{naming.pascal(name)}Options" if keywords else "CallOptions",
        options_required=any(not k.optional for k in keywords),
        returns=(
            "void"
            if is_none(returns)
            else ts_type(ctx, returns.item if isinstance(returns, ugm.StreamOf) else returns, "out")
        ),
        returns_desc=desc(ctx, returns),
        doc=ctx.doc(node, params=tuple(doc_params), throws=raises),
        idempotent=ugm.annotation(node, "idempotent") is not None,
        streams=streams,
    )


def service(ctx: Context, s: ugm.Service) -> TsService:
    scope = ctx.scope(f"service {s.name}")
    cls = f"{naming.pascal(s.name)}Service"
    methods = tuple(
        method(
            ctx,
            cls.removesuffix("Service"),
            scope.claim(naming.member(m.name), m.name, m.span),
            "call",
            (s.name, m.name),
            m.params,
            m.returns,
            m.raises,
            m,
        )
        for m in s.methods
    )
    return TsService(cls, s.name, naming.camel(s.name), methods, ctx.doc(s))


def class_decl(ctx: Context, c: ugm.Class) -> TsClass:
    instance = ctx.scope(f"class {c.name}")
    statics = ctx.scope(f"class {c.name} (its factory)")
    statics.reserve("create")
    ctor = None
    if c.constructor is not None:
        k = c.constructor
        ctor = method(
            ctx, c.name, "create", "new", (c.name, ""), k.params, ugm.Named(c.name), k.raises, k
        )

    def call(m: ugm.Method, scope: Scope) -> TsMethod:
        name = scope.claim(naming.member(m.name), m.name, m.span)
        return method(ctx, c.name, name, "call", (c.name, m.name), m.params, m.returns, m.raises, m)

    static_methods = [call(m, statics) for m in c.methods if m.static]
    methods = [call(m, instance) for m in c.methods if not m.static]
    for p in c.properties:
        getter = instance.claim(naming.member(f"get_{p.name}"), f"{p.name} (its getter)", p.span)
        methods.append(method(ctx, c.name, getter, "get", (c.name, p.name), (), p.type, (), p))
        if not p.readonly:
            setter = instance.claim(
                naming.member(f"set_{p.name}"), f"{p.name} (its setter)", p.span
            )
            value = (ugm.Param("value", p.type, kind="positional"),)
            none = ugm.Primitive("none")
            methods.append(method(ctx, c.name, setter, "set", (c.name, p.name), value, none, (), p))
    return TsClass(
        name=c.name,
        factory=f"{c.name}Class",
        wire=c.name,
        accessor=c.name,
        constructor=ctor,
        statics=tuple(static_methods),
        methods=tuple(methods),
        doc=ctx.doc(c),
    )
