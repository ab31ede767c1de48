"""Functions, methods, constructors and properties to UGM members.

Each builder reports every problem of its member and returns None when the member cannot be
exported, so one run lists all problems and `--skip-unsupported` can leave the member out.
"""

from __future__ import annotations

import ast
import collections.abc
import inspect
import os
import re
import sys
import types
import typing
from collections.abc import Callable
from typing import Any

from .. import ugm
from ._context import Context
from ._docstrings import clean, raised_names
from ._hints import HintError, function_hints, resolve
from ._source import Location, node_location
from ._types import TypeProblem, describe, map_stream, map_type
from ._values import literal

_KINDS: dict[Any, ugm.ParamKind] = {
    inspect.Parameter.POSITIONAL_ONLY: "positional",
    inspect.Parameter.POSITIONAL_OR_KEYWORD: "either",
    inspect.Parameter.KEYWORD_ONLY: "keyword",
}


def annotations_of(obj: Any) -> tuple[ugm.Annotation, ...]:
    """`@deprecated("...")` (PEP 702, `warnings.deprecated` / typing_extensions) becomes the IDL's
    `@deprecated`; `graftcode_runtime.idempotent` its `@idempotent`."""
    found: list[ugm.Annotation] = []
    reason = getattr(obj, "__deprecated__", None)
    if isinstance(reason, str):
        found.append(ugm.Annotation("deprecated", (ugm.StrLit(reason),) if reason else ()))
    if getattr(obj, "__graft_idempotent__", False) is True:
        found.append(ugm.Annotation("idempotent"))
    return tuple(found)


class _Signature:
    """One callable's parameters, return type and raised errors, with problems reported."""

    def __init__(self, ctx: Context, fn: Any, member: str, owner: type | None) -> None:
        self.ctx = ctx
        self.fn = fn
        self.target = inspect.unwrap(fn)
        self.member = member
        self.owner = owner
        self.failed = False
        self.node = ctx.source.function(self.target)
        self.file = ctx.source.file_of(self.target)
        self.hints = function_hints(self.target)

    def where(self, node: ast.AST | None = None) -> Location:
        if node is None:
            return self.ctx.source.locate(self.target)
        return node_location(self.file, node)

    def fail(self, message: str, node: ast.AST | None = None) -> None:
        self.failed = True
        self.ctx.problem(self.member, message, self.where(node))

    def arg_nodes(self) -> dict[str, tuple[ast.arg, ast.expr | None]]:
        """Each parameter's syntax node and its default's node."""
        if self.node is None:
            return {}
        a = self.node.args
        positional = a.posonlyargs + a.args
        defaults: list[ast.expr | None] = [None] * (len(positional) - len(a.defaults))
        defaults += a.defaults
        out = {arg.arg: (arg, d) for arg, d in zip(positional, defaults, strict=True)}
        out.update({arg.arg: (arg, d) for arg, d in zip(a.kwonlyargs, a.kw_defaults, strict=True)})
        for arg in (a.vararg, a.kwarg):
            if arg is not None:
                out[arg.arg] = (arg, None)
        return out

    def type_of(
        self,
        hint: Any,
        what: str,
        node: ast.AST | None,
        accepts: bool = False,
        streams: bool = False,
    ) -> ugm.TypeRef | None:
        """`streams`: a stream type is allowed here (a method's return or parameter)."""
        if isinstance(hint, HintError):
            self.fail(f"{what}: {hint}", node)
            return None
        try:
            if streams:
                stream = map_stream(hint, owner=self.owner, named=self.ctx.named, param=accepts)
                if stream is not None:
                    return stream
            return map_type(hint, owner=self.owner, named=self.ctx.named, accepts=accepts)
        except TypeProblem as e:
            self.fail(f"{what}: {e}", node)
            return None

    def params(self, drop_first: bool, streams: bool = False) -> tuple[ugm.Param, ...]:
        try:
            signature = inspect.signature(self.fn)
        except (TypeError, ValueError) as e:
            self.fail(f"its signature cannot be read ({e}); define it with `def`")
            return ()
        params = list(signature.parameters.values())
        if drop_first:
            if not params or params[0].kind not in _KINDS:
                self.fail("it takes no `self`/`cls` parameter, so it cannot be called this way")
                return ()
            params = params[1:]
        nodes = self.arg_nodes()
        out: list[ugm.Param] = []
        for p in params:
            arg, default_node = nodes.get(p.name, (None, None))
            annotation_node = arg.annotation if arg is not None and arg.annotation else arg
            if p.kind is inspect.Parameter.VAR_POSITIONAL:
                self.fail(
                    f"*{p.name}: variadic parameters have no IDL form; take a `list[...]` "
                    "parameter instead",
                    arg,
                )
                continue
            if p.kind is inspect.Parameter.VAR_KEYWORD:
                self.fail(
                    f"**{p.name}: arbitrary keyword arguments have no IDL form; take a record "
                    "or a `dict[str, T]` parameter instead",
                    arg,
                )
                continue
            if p.name not in self.hints:
                self.fail(
                    f"parameter `{p.name}` has no type annotation; annotate it "
                    f"(for example `{p.name}: int`)",
                    arg,
                )
                continue
            if p.default is not inspect.Parameter.empty and _stays_home(self.hints[p.name]):
                self.ctx.note(
                    self.member,
                    f"parameter `{p.name}` (`{_text(arg, self.hints[p.name])}`) takes a live object "
                    "of the caller's process, which cannot be sent to another one; it is left "
                    f"out of the remote signature, so calls run with its default "
                    f"({p.default!r})",
                    self.where(annotation_node),
                )
                continue
            hint, local = _narrowed(self.hints[p.name])
            if local:
                self.ctx.note(
                    self.member,
                    f"parameter `{p.name}`: {', '.join(f'`{x}`' for x in local)} can only be "
                    "made in the caller's process; callers in another one send the union's "
                    "other members",
                    self.where(annotation_node),
                )
            t = self.type_of(
                hint,
                f"parameter `{p.name}`",
                annotation_node,
                accepts=True,
                streams=streams,
            )
            if t is None:
                continue
            if isinstance(t, ugm.StreamOf):
                if any(isinstance(o.type, ugm.StreamOf) for o in out):
                    self.fail(f"parameter `{p.name}`: a method takes at most one stream", arg)
                    continue
                if p.default is not inspect.Parameter.empty:
                    self.fail(f"parameter `{p.name}`: a stream parameter has no default", arg)
                    continue
            if t == ugm.Primitive("none"):
                self.fail(f"parameter `{p.name}` has type None and carries nothing; remove it", arg)
                continue
            default: ugm.Value | None = None
            if p.default is not inspect.Parameter.empty:
                try:
                    default = literal(p.default, t, self.ctx.enum_name)
                except TypeProblem as e:
                    self.fail(f"parameter `{p.name}`: {e}", default_node or arg)
                    continue
            out.append(ugm.Param(p.name, t, default, _KINDS[p.kind]))
        return tuple(out)

    def returns(self, streams: bool = False) -> ugm.TypeRef:
        if "return" not in self.hints:
            self.fail("it has no return annotation; annotate it (`-> None` if it returns nothing)")
            return ugm.Primitive("none")
        node = self.node.returns if self.node is not None else None
        hint = self.hints["return"]
        t = self.type_of(hint, "return type", node, streams=streams)
        return t or ugm.Primitive("none")

    def raises(self, doc: str | None) -> tuple[str, ...]:
        out: list[str] = []
        for text in raised_names(doc):
            name = self._raised(text)
            if name is not None and name not in out:
                out.append(name)
        return tuple(out)

    def _raised(self, text: str) -> str | None:
        namespace = getattr(self.target, "__globals__", {})
        try:
            exc = resolve(text, namespace, vars(self.owner) if self.owner else {})
        except HintError:
            exc = _imported(text)
        if exc is None:
            # Not fatal to the member: the function still works, only the documentation is off.
            self.ctx.problem(
                self.member,
                f"its docstring's Raises section names `{text}`, which is not defined in the "
                "module; import the exception or correct the name",
                self.where(),
            )
            return None
        if not (isinstance(exc, type) and issubclass(exc, BaseException)):
            self.ctx.problem(
                self.member,
                f"its docstring's Raises section names `{text}`, which is not an exception class",
                self.where(),
            )
            return None
        return self.ctx.error_name(exc)


def function(
    ctx: Context,
    fn: Any,
    *,
    name: str,
    member: str,
    owner: type | None,
    drop_first: bool,
    static: bool,
) -> ugm.Method | None:
    """A module function, static method (`static`, with `drop_first` for a classmethod) or an
    instance method (`drop_first`)."""
    sig = _Signature(ctx, fn, member, owner)
    params = sig.params(drop_first, streams=True)
    returns = sig.returns(streams=True)
    generator = inspect.isgeneratorfunction(sig.target) or inspect.isasyncgenfunction(sig.target)
    if generator and not sig.failed and not isinstance(returns, ugm.StreamOf):
        sig.fail(
            "it is a generator, so it streams: annotate its return as `Iterator[T]` "
            "(`AsyncIterator[T]` for an async generator)"
        )
    doc = clean(getattr(sig.target, "__doc__", None))
    raises = sig.raises(doc)
    if sig.failed:
        return None
    return ugm.Method(
        name, params, returns, raises, static, doc, annotations_of(fn) or annotations_of(sig.target)
    )


def constructor(
    ctx: Context, cls: type, init: Callable[..., Any], member: str
) -> ugm.Constructor | None:
    sig = _Signature(ctx, init, member, cls)
    params = sig.params(drop_first=True)
    doc = clean(getattr(sig.target, "__doc__", None))
    raises = sig.raises(doc)
    if sig.failed:
        return None
    return ugm.Constructor(params, raises, doc, annotations_of(init))


def accessor(
    ctx: Context, getter: Any, *, name: str, member: str, owner: type, readonly: bool
) -> ugm.Property | None:
    """A `@property` (or `functools.cached_property`): its type is the getter's return type."""
    sig = _Signature(ctx, getter, member, owner)
    returns = sig.returns()
    if sig.failed:
        return None
    doc = clean(getattr(sig.target, "__doc__", None))
    return ugm.Property(name, returns, readonly, doc, annotations_of(getter))


def attribute(
    ctx: Context,
    hint: Any,
    *,
    name: str,
    member: str,
    owner: type,
    where: Location,
    doc: str | None,
    settable: bool,
) -> ugm.Property | None:
    """An annotated attribute: read-write when `settable` and not annotated `Final`."""
    if isinstance(hint, HintError):
        ctx.problem(member, f"attribute `{name}`: {hint}", where)
        return None
    readonly = _is_final(hint) or not settable
    try:
        t = map_type(hint, owner=owner, named=ctx.named)
    except TypeProblem as e:
        ctx.problem(member, f"attribute `{name}`: {e}", where)
        return None
    if t == ugm.Primitive("none"):
        ctx.problem(member, f"attribute `{name}` has type None and carries nothing", where)
        return None
    return ugm.Property(name, t, readonly, doc)


def _imported(text: str) -> Any:
    """`package.module.Name` in a module already imported (docstrings name exceptions by their
    full path, as packaging's do, though the module imports them another way); never imports."""
    module, _, name = text.rpartition(".")
    found = sys.modules.get(module) if module else None
    return getattr(found, name, None)


# The parameter types that only the calling process can make: a function, a compiled regular
# expression, a path object. As one member of a parameter's union (`str | Callable[...]`,
# `re.Pattern[str] | str`) they are left out, and callers send the other members.
_LOCAL_ONLY = (collections.abc.Callable, re.Pattern, os.PathLike)


def _narrowed(hint: Any) -> tuple[Any, list[str]]:
    """A parameter's union without its local-only members, and their spellings; unchanged when
    nothing else would remain."""
    if typing.get_origin(hint) not in (typing.Union, types.UnionType):
        return hint, []
    members = typing.get_args(hint)
    local = [m for m in members if (typing.get_origin(m) or m) in _LOCAL_ONLY]
    kept = [m for m in members if m not in local]
    if not local or not [m for m in kept if m is not type(None)]:
        return hint, []
    return typing.Union[tuple(kept)], [describe(m) for m in local]  # noqa: UP007


def _stays_home(hint: Any) -> bool:
    """A parameter type no other process can supply: a function, or `object`/`Any` (in
    practice a hook such as email-validator's `dns_resolver: object = None`), optionally `| None`."""
    if isinstance(hint, HintError):
        return False
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(hint) if a is not type(None)]
        return len(members) == 1 and _stays_home(members[0])
    origin = typing.get_origin(hint) or hint
    return hint is object or hint is typing.Any or origin in (collections.abc.Callable,)


def _text(arg: ast.arg | None, hint: Any) -> str:
    """The annotation as written, else as Python shows the type."""
    if arg is not None and arg.annotation is not None:
        return ast.unparse(arg.annotation)
    return getattr(hint, "__qualname__", None) or str(hint)


def _is_final(hint: Any) -> bool:
    return hint is typing.Final or typing.get_origin(hint) is typing.Final
