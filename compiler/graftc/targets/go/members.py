"""Services and classes and their callables -> the Go model.

A service's functions are methods of the module's `*Client`; a class is a handle type (`*Cart`)
with its instance methods, property getters (`Note`) and setters (`SetNote`) and `Close`;
the class's constructor (`NewCart`) and static methods (`CartWithItems`) are methods of the
client. Every method takes `ctx` first; parameters without a default are Go parameters, those
with one are pointer fields of an options struct (`*ListProductsOptions`, nil for none).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from graftcode_runtime import ugm

from graftc.targets.common.scopes import Scope
from graftc.targets.go import naming
from graftc.targets.go.model import GoClass, GoMethod, GoParam
from graftc.targets.go.values import GoValues, go_value

if TYPE_CHECKING:
    from graftc.targets.go.lower import Context

_OPS = {"call": "graft.OpCall", "new": "graft.OpNew", "get": "graft.OpGet", "set": "graft.OpSet"}


def method(
    ctx: Context,
    name: str,
    receiver: str,
    kind: str,
    wire: tuple[str, str],
    params: tuple[ugm.Param, ...],
    returns: ugm.TypeRef,
    raises: tuple[str, ...],
    node: object,
) -> GoMethod:
    """`name` is the Go method name; `wire` is (target, member) as the gateway names them."""
    scope = ctx.scope(f"the parameters of {wire[0]}.{wire[1] or 'constructor'}")
    fields = ctx.scope(f"the options of {name}")
    required: list[GoParam] = []
    optional: list[GoParam] = []
    option_docs: list[tuple[str, ...]] = []
    for p in params:
        conv = ctx.conv(p.type, p)
        if p.default is None:
            go_name = scope.claim(naming.unexported(p.name), p.name, p.span)
            stream = isinstance(p.type, ugm.StreamOf)
            required.append(
                GoParam(go_name, p.name, conv.go, conv.key, p.kind, None, stream=stream)
            )
            continue
        deref = not ctx.types.nilable(conv.go)
        default = None
        if p.kind == "positional":
            values = GoValues(ctx.types.go, ctx.error, p, ctx.module, wrap=ctx.types.wrap)
            default = go_value(p.default, values, p.type)
            if deref:
                default = f"Ptr[{conv.go}]({default})"
            elif default == "nil" or conv.go in ctx.types.unions:
                default = f"({conv.go})({default})"  # `v := nil` has no type to infer
        optional.append(
            GoParam(
                fields.claim(naming.exported(p.name), p.name, p.span),
                p.name,
                "*" + conv.go if deref else conv.go,
                conv.key,
                p.kind,
                default,
                deref,
            )
        )
        option_docs.append((f"Default: {ctx.default_note(p.default)}.",))
    none = isinstance(returns, ugm.Primitive) and returns.name == "none"
    streams = isinstance(returns, ugm.StreamOf)
    shown = returns.item if isinstance(returns, ugm.StreamOf) else returns  # a stream's: T's
    ret = None if none else ctx.conv(shown, node)
    returns_class = None
    if isinstance(returns, ugm.Named) and ctx.kinds.get(returns.name) == "class":
        returns_class = returns.name
    return GoMethod(
        name=name,
        receiver=receiver,
        op=_OPS[kind],
        target=wire[0],
        member=wire[1],
        instance=receiver.startswith("x "),
        required=tuple(required),
        optional=tuple(optional),
        options=f"{name}Options" if optional else "",
        option_docs=tuple(option_docs),
        returns=None if ret is None else f"*graft.Stream[{ret.go}]" if streams else ret.go,
        returns_conv="" if ret is None else ret.key,
        returns_class=returns_class,
        doc=ctx.method_doc(node, raises, _lead(name, kind, wire, receiver)),
        stream_item="" if ret is None or not streams else ret.go,
    )


def _options_name(m: GoMethod, prefix: str) -> GoMethod:
    """Options structs are package-level types: a handle's method gets its class's prefix."""
    if not m.options:
        return m
    return replace(m, options=f"{prefix}{m.options}")


def service(ctx: Context, s: ugm.Service) -> list[GoMethod]:
    out = []
    for m in s.methods:
        name = ctx.client.claim(naming.client_member(m.name), f"{s.name}.{m.name}", m.span)
        out.append(
            method(
                ctx, name, "c *Client", "call", (s.name, m.name), m.params, m.returns, m.raises, m
            )
        )
    for gm in out:
        if gm.options:
            ctx.top.claim(gm.options, f"the options of {s.name}.{gm.member}", None)
    return out


def class_members(ctx: Context, c: ugm.Class) -> tuple[list[GoMethod], GoClass]:
    """The client's methods for `c` (constructor, statics), and its handle type."""
    on_client: list[GoMethod] = []
    if c.constructor is not None:
        k = c.constructor
        name = ctx.client.claim(f"New{c.name}", f"{c.name}.constructor", k.span)
        on_client.append(
            method(
                ctx,
                name,
                "c *Client",
                "new",
                (c.name, ""),
                k.params,
                ugm.Named(c.name),
                k.raises,
                k,
            )
        )
    handle = Scope(f"class {c.name}", naming.LANGUAGE, ctx.report)
    handle.reserve(*naming.HANDLE_RESERVED)
    methods: list[GoMethod] = []
    for m in c.methods:
        if m.static:
            name = ctx.client.claim(c.name + naming.exported(m.name), f"{c.name}.{m.name}", m.span)
            recv = "c *Client"
        else:
            name = handle.claim(naming.handle_member(m.name), m.name, m.span)
            recv = f"x *{c.name}"
        built = method(ctx, name, recv, "call", (c.name, m.name), m.params, m.returns, m.raises, m)
        (on_client if m.static else methods).append(
            built if m.static else _options_name(built, c.name)
        )
    for p in c.properties:
        getter = handle.claim(naming.handle_member(p.name), f"{p.name} (its getter)", p.span)
        recv = f"x *{c.name}"
        methods.append(method(ctx, getter, recv, "get", (c.name, p.name), (), p.type, (), p))
        if not p.readonly:
            setter = handle.claim("Set" + getter, f"{p.name} (its setter)", p.span)
            value = (ugm.Param("value", p.type, kind="positional"),)
            none = ugm.Primitive("none")
            methods.append(method(ctx, setter, recv, "set", (c.name, p.name), value, none, (), p))
    for gm in on_client + methods:
        if gm.options:
            ctx.top.claim(gm.options, f"the options of {c.name}.{gm.member or 'constructor'}", None)
    lead = f"{c.name} is a handle to an instance of class {c.name} held by the gateway."
    return on_client, GoClass(c.name, c.name, tuple(methods), ctx.doc(c, lead=lead))


def _lead(name: str, kind: str, wire: tuple[str, str], receiver: str) -> str:
    """The sentence a Go doc comment starts with: the method's name and what it calls."""
    target, member = wire
    if kind == "new":
        return f"{name} creates an instance of {target} in the gateway (its constructor)."
    if kind == "get":
        return f"{name} reads the property {member}."
    if kind == "set":
        return f"{name} sets the property {member}."
    if receiver.startswith("x "):
        return f"{name} calls {member} on the instance."
    return f"{name} calls {target}.{member}."
