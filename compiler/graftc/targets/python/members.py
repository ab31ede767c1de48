"""Services and classes -> the model: a blocking and an async (trio) client class per service,
a blocking and an async proxy per class, each member with its exact Python signature."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from graftcode_runtime import ugm

from graftc.targets.common.docs import raises_section
from graftc.targets.python import model as m
from graftc.targets.python import naming
from graftc.targets.python.types import Where, annotation, from_wire, to_wire, wire_ref
from graftc.targets.python.values import default, string_literal

if TYPE_CHECKING:
    from graftc.targets.python.lower import Context


@dataclass(frozen=True)
class Call:
    """One remote callable: what the wire calls it and what it takes, returns and raises.
    `wire_name` is "" for a constructor."""

    wire_name: str
    params: Sequence[ugm.Param]
    returns: ugm.TypeRef
    raises: Sequence[str]
    node: ugm.Method | ugm.Constructor


@dataclass(frozen=True)
class Shape:
    """How a callable is written: `head` is `self`/`cls`/"" (static); `channel_param` is the
    annotation of an extra `_channel` parameter, put first (positional-only) or last
    (keyword-only); `instance` the expression of the instance id sent with the call."""

    kind: str
    target: str
    w: Where
    head: str
    instance: str | None = None
    channel_param: str | None = None
    channel_first: bool = False


def method(ctx: Context, name: str, call: Call, shape: Shape) -> m.MethodDef:
    w = shape.w
    scope = ctx.scope(
        f"the parameters of {shape.target}.{call.wire_name}" if call.wire_name else shape.target
    )
    scope.reserve("_channel")
    parts: list[str] = []
    args: list[str] = []
    kwargs: list[str] = []
    kinds = [p.kind for p in call.params]
    saw_default = False
    source = ""
    for i, p in enumerate(call.params):
        py = scope.claim(naming.escape(p.name, naming.PARAM_RESERVED), p.name, p.span)
        text = f"{py}: {annotation(ctx, p.type, w, param=True)}"
        if p.default is not None:
            text += f" = {default(ctx, p.default, p.type, w, param=True)}"
            saw_default = saw_default or p.kind != "keyword"
        elif saw_default and p.kind != "keyword":
            ctx.error(p, f"parameter {p.name!r} without a default follows one with a default")
        if p.kind == "keyword" and (i == 0 or kinds[i - 1] != "keyword"):
            parts.append("*")
        parts.append(text)
        if p.kind == "positional" and (i + 1 == len(call.params) or kinds[i + 1] != "positional"):
            parts.append("/")
        if isinstance(p.type, ugm.StreamOf):  # nil in its place; the items go as `source`
            item = to_wire(ctx, p.type.item, "x", w)
            source = py if item == "x" else f"{wire_ref(w)}.items({py}, lambda x: {item})"
            wire = "None"
        else:
            wire = to_wire(ctx, p.type, py, w)
        if p.kind == "positional":
            args.append(wire)
        else:
            kwargs.append(f"{string_literal(p.name)}: {wire}")
    if shape.channel_param is not None:
        if shape.channel_first:
            if "/" in parts:
                parts.insert(0, f"_channel: {shape.channel_param}")
            else:
                parts[:0] = [f"_channel: {shape.channel_param}", "/"]
        else:
            if "*" not in parts:
                parts.append("*")
            parts.append(f"_channel: {shape.channel_param} | None = None")
    is_none = isinstance(call.returns, ugm.Primitive) and call.returns.name == "none"
    stream = isinstance(call.returns, ugm.StreamOf)
    produced = call.returns.item if isinstance(call.returns, ugm.StreamOf) else call.returns
    what = call.wire_name or shape.target
    raises = raises_section(
        call.node.doc,
        call.raises,
        lambda r: f"{ctx.py.get(r, r)}: raised by the remote {what}.",
    )
    invoke = [string_literal(shape.kind), string_literal(shape.target)]
    invoke.append(string_literal(call.wire_name))
    if args or kwargs or shape.instance:
        invoke.append("(" + ", ".join(args) + ("," if len(args) == 1 else "") + ")")
    if kwargs or shape.instance:
        invoke.append("{" + ", ".join(kwargs) + "}")
    if shape.instance:
        invoke.append(f"instance={shape.instance}")
    if source:
        invoke.append(f"source={source}")
    return m.MethodDef(
        name=name,
        wire_name=call.wire_name,
        params=", ".join(([shape.head] if shape.head else []) + parts),
        returns=annotation(ctx, call.returns, w),
        invoke=", ".join(invoke),
        result="" if is_none else from_wire(ctx, produced, "w", w),
        doc=ctx.doc(call.node.doc, raises),
        deprecated=ctx.deprecated(call.node, w.imports, name),
        stream=stream,
    )


def _call(x: ugm.Method) -> Call:
    return Call(x.name, x.params, x.returns, x.raises, x)


def service(ctx: Context, d: ugm.Service) -> m.ServiceDef:
    imports = ctx.files["_client"]
    scope = ctx.scope(f"service {d.name}")
    scope.reserve(*naming.CLIENT_RESERVED)
    names = [
        scope.claim(naming.attribute(x.name, naming.CLIENT_RESERVED), x.name, x.span)
        for x in d.methods
    ]

    def lower(asynchronous: bool) -> tuple[m.MethodDef, ...]:
        shape = Shape("call", d.name, Where(imports, asynchronous=asynchronous), "self")
        return tuple(method(ctx, n, _call(x), shape) for x, n in zip(d.methods, names, strict=True))

    return m.ServiceDef(
        name=d.name,
        wire_name=d.name,
        client=ctx.py[d.name],
        async_client="Async" + ctx.py[d.name],
        instance=naming.escape(d.name, naming.MODULE_RESERVED),
        methods=lower(False),
        async_methods=lower(True),
        doc=ctx.doc(d.doc or f"The functions of the `{ctx.module.name}` module."),
        deprecated=ctx.deprecated(d, imports, d.name, warns=False),
    )


def class_def(ctx: Context, d: ugm.Class) -> m.ClassDef:
    imports = ctx.files["_client"]
    scope = ctx.scope(f"class {d.name}")
    reserved = naming.SYNC_PROXY_RESERVED | naming.ASYNC_PROXY_RESERVED
    scope.reserve(*reserved)
    member_names: dict[int, str] = {}
    items: list[ugm.Method | ugm.Property] = [*d.methods, *d.properties]
    for x in items:
        member_names[id(x)] = scope.claim(naming.attribute(x.name, reserved), x.name, x.span)
    for p in d.properties:
        if not p.readonly:
            scope.claim(f"set_{member_names[id(p)]}", f"{p.name} (its async setter)", p.span)

    def methods(asynchronous: bool, static: bool) -> tuple[m.MethodDef, ...]:
        channel = ("AsyncChannel" if asynchronous else "Channel") if static else None
        shape = Shape(
            "call",
            d.name,
            Where(imports, asynchronous=asynchronous, channel="ch" if static else "self._ch"),
            "" if static else "self",
            instance=None if static else "self._live_id()",
            channel_param=channel,
            channel_first=asynchronous,
        )
        return tuple(
            method(ctx, member_names[id(x)], _call(x), shape)
            for x in d.methods
            if x.static == static
        )

    def constructor(asynchronous: bool) -> m.MethodDef | None:
        c = d.constructor
        if c is None:
            return None
        shape = Shape(
            "new",
            d.name,
            Where(imports, asynchronous=asynchronous, channel="ch"),
            "cls" if asynchronous else "self",
            channel_param="AsyncChannel" if asynchronous else "Channel",
            channel_first=asynchronous,
        )
        call = Call("", c.params, ugm.Primitive("none"), c.raises, c)
        return method(ctx, "create" if asynchronous else "__init__", call, shape)

    def properties(asynchronous: bool) -> tuple[m.PropertyDef, ...]:
        w = Where(imports, asynchronous=asynchronous)
        return tuple(
            m.PropertyDef(
                name=member_names[id(p)],
                wire_name=p.name,
                annotation=annotation(ctx, p.type, w),
                setter_name=f"set_{member_names[id(p)]}",
                readonly=p.readonly,
                result=from_wire(ctx, p.type, "w", w),
                to_wire=to_wire(ctx, p.type, "value", w),
                doc=ctx.doc(p.doc),
                deprecated=ctx.deprecated(p, imports, p.name),
            )
            for p in d.properties
        )

    if d.properties:
        imports.std("collections.abc", "Awaitable")
    return m.ClassDef(
        name=ctx.py[d.name],
        async_name=ctx.async_py[d.name],
        wire_name=d.name,
        constructor=constructor(False),
        async_constructor=constructor(True),
        methods=methods(False, False),
        statics=methods(False, True),
        properties=properties(False),
        async_methods=methods(True, False),
        async_statics=methods(True, True),
        async_properties=properties(True),
        doc=ctx.doc(d.doc),
        deprecated=ctx.deprecated(d, imports, d.name, warns=False),
    )
