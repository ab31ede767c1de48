"""Executes one call against a hosted module, and only what its UGM declares.

Every call is resolved against the UGM first (unknown target or member: NOT_FOUND), its
arguments are bound to the declared parameters by Python's rules and converted by the value
codec (wrong count, wrong type, unknown keyword: INVALID_ARGUMENT) and only then does user code
run: synchronous functions in a bounded pool of worker threads, coroutines on the asyncio
bridge. Exceptions of declared error types go back as application errors with their fields;
anything else as INTERNAL, with details and traceback only in debug mode (docs/protocol.md 7).
"""

from __future__ import annotations

import contextvars
import inspect
import math
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import trio

from .. import context, ugm
from ..protocol._errors import GraftError, InvalidValue, RemoteError, StatusCode
from ..protocol._events import InstanceRef, Op
from ..protocol._instances import InstanceTable
from ._asyncio_bridge import AsyncioBridge
from ._hosting import HostedModule
from ._workers import WorkerPool

_NONE = ugm.Primitive("none")


@dataclass(frozen=True)
class Invocation:
    """One call as the session hands it over (wire values; deadline as a monotonic instant)."""

    op: Op
    target: str
    member: str
    args: list[Any] | tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    instance: InstanceRef | None = None
    call_id: int = 0
    metadata: Mapping[str, str | bytes] = field(default_factory=dict)
    deadline: float | None = None


@dataclass(frozen=True)
class _Plan:
    """A resolved member: where it is (for messages), its parameters and return type, and how
    to get the Python callable (from the class or module, or from the instance)."""

    where: str
    params: tuple[ugm.Param, ...]
    returns: ugm.TypeRef
    class_name: str | None  # the instance's class for instance members, else None
    func: Callable[..., Any] | None = None  # static members
    attr: str = ""  # instance methods
    prop: ugm.Property | None = None  # GET / SET
    new: bool = False


def _fail(code: StatusCode, message: str) -> RemoteError:
    return RemoteError(code, message)


def _argument_message(where: str, e: InvalidValue) -> str:
    """`shop.order: argument 'items': [2].quantity: expected int, got str`."""
    if not e.segments:
        return f"{where}: {e.problem}"
    inner = InvalidValue(e.problem)
    inner.segments = e.segments[1:]
    return f"{where}: argument {e.segments[0]!r}: {inner}"


class Dispatcher:
    def __init__(
        self,
        hosted: HostedModule,
        *,
        workers: WorkerPool,
        bridge: AsyncioBridge,
        debug: bool = False,
    ) -> None:
        self.hosted = hosted
        self.module = hosted.module
        self.codec = hosted.codec
        self._workers = workers
        self._bridge = bridge
        self._debug = debug
        self._decls = {d.name: d for d in self.module.decls}
        self._service = next(iter(self.module.services), None)
        self._plans: dict[tuple[Op, str, str], _Plan] = {}

    # ---------------------------------------------------------------- resolution

    def _plan(self, op: Op, target: str, member: str) -> _Plan:
        key = (op, target, member)
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = self._resolve(op, target, member)
        return plan

    def _resolve(self, op: Op, target: str, member: str) -> _Plan:
        decl = self._decls.get(target)
        if target == "" and self._service is not None:
            decl = self._service
        if not isinstance(decl, ugm.Service | ugm.Class):
            raise _fail(
                StatusCode.NOT_FOUND,
                f"module {self.module.name!r} has no service or class {target!r}",
            )
        obj = self.hosted.objects[decl.name]
        if op is Op.NEW:
            if not isinstance(decl, ugm.Class) or decl.constructor is None:
                raise _fail(StatusCode.NOT_FOUND, f"{target} has no constructor callers can use")
            assert callable(obj)
            where = f"{decl.name}()"
            return _Plan(where, decl.constructor.params, ugm.Named(decl.name), None, obj, new=True)
        if op is Op.CALL:
            method = next((m for m in decl.methods if m.name == member), None)
            if method is None:
                raise _fail(StatusCode.NOT_FOUND, f"{decl.name} has no method {member!r}")
            where = f"{decl.name}.{method.name}"
            if isinstance(decl, ugm.Service) or method.static:
                where = (
                    f"{self.module.name}.{method.name}" if isinstance(decl, ugm.Service) else where
                )
                return _Plan(where, method.params, method.returns, None, getattr(obj, method.name))
            return _Plan(where, method.params, method.returns, decl.name, attr=method.name)
        if not isinstance(decl, ugm.Class):
            raise _fail(StatusCode.NOT_FOUND, f"{decl.name} has no properties")
        prop = next((p for p in decl.properties if p.name == member), None)
        if prop is None:
            raise _fail(StatusCode.NOT_FOUND, f"{decl.name} has no property {member!r}")
        where = f"{decl.name}.{prop.name}"
        if op is Op.GET:
            return _Plan(where, (), prop.type, decl.name, prop=prop)
        if prop.readonly:
            raise _fail(StatusCode.PERMISSION_DENIED, f"{where} is read-only")
        value = ugm.Param("value", prop.type, kind="positional")
        return _Plan(where, (value,), _NONE, decl.name, prop=prop)

    def _callable(
        self, plan: _Plan, inv: Invocation, instances: InstanceTable
    ) -> Callable[..., Any]:
        if plan.class_name is None:
            if inv.instance is not None:
                raise _fail(StatusCode.INVALID_ARGUMENT, f"{plan.where} takes no instance")
            assert plan.func is not None
            return plan.func
        if inv.instance is None:
            raise _fail(
                StatusCode.INVALID_ARGUMENT, f"{plan.where} needs an instance of {plan.class_name}"
            )
        target = instances.get(inv.instance, plan.class_name)
        if plan.prop is None:
            return getattr(target, plan.attr)  # type: ignore[no-any-return]
        name = plan.prop.name
        if inv.op is Op.GET:
            return lambda: getattr(target, name)
        return lambda v: setattr(target, name, v)

    # ---------------------------------------------------------------- execution

    async def run(self, inv: Invocation, instances: InstanceTable, peer: str) -> Any:
        """Run the call and return its wire result; raises RemoteError (or trio.Cancelled)."""
        plan = self._plan(inv.op, inv.target, inv.member)
        func = self._callable(plan, inv, instances)
        try:
            args, kwargs = self.codec.args_from_wire(
                plan.params, inv.args, inv.kwargs, instances=instances
            )
        except InvalidValue as e:
            raise _fail(StatusCode.INVALID_ARGUMENT, _argument_message(plan.where, e)) from None
        timeout = math.inf if inv.deadline is None else inv.deadline - time.monotonic()
        if timeout <= 0:
            raise _fail(StatusCode.DEADLINE_EXCEEDED, f"{plan.where}: the deadline had passed")
        ctx = contextvars.copy_context()
        request = context.RequestContext(
            module=self.module.name,
            target=inv.target,
            member=inv.member,
            call_id=inv.call_id,
            peer=peer,
            metadata=inv.metadata,
            deadline=inv.deadline,
        )
        ctx.run(context.use, request)
        with trio.move_on_after(timeout) as scope:
            try:
                result = await self._execute(func, args, kwargs, ctx)
            except Exception as e:  # whatever user code raises, graftcode errors included
                raise self._failure_for(plan, e, instances) from None
            except trio.Cancelled:
                request._cancelled.set()  # sync code still running can see it and stop
                raise
        if scope.cancelled_caught:
            raise _fail(
                StatusCode.DEADLINE_EXCEEDED, f"{plan.where} did not finish before its deadline"
            )
        try:
            return self.codec.to_wire(plan.returns, result, instances=instances)
        except (InvalidValue, RemoteError) as e:
            if isinstance(e, RemoteError) and e.code is StatusCode.RESOURCE_EXHAUSTED:
                raise  # too many instances on this connection
            detail = f": {e}" if self._debug else ""
            raise _fail(
                StatusCode.INTERNAL,
                f"internal error in {plan.where}: its result does not match the declared type{detail}",
            ) from None

    async def _execute(
        self,
        func: Callable[..., Any],
        args: list[Any],
        kwargs: dict[str, Any],
        ctx: contextvars.Context,
    ) -> Any:
        if inspect.iscoroutinefunction(func):
            return await self._bridge.run(ctx.run(func, *args, **kwargs), ctx)

        def call() -> Any:
            return ctx.run(func, *args, **kwargs)

        result = await self._workers.run(call)
        if inspect.iscoroutine(result):
            return await self._bridge.run(result, ctx)
        return result

    def _failure_for(
        self, plan: _Plan, exc: BaseException, instances: InstanceTable
    ) -> RemoteError:
        tb = "".join(traceback.format_exception(exc)) if self._debug else None
        try:
            declared = self.codec.error_to_wire(exc, instances=instances)
        except GraftError:
            declared = None  # a declared error whose fields do not match: report it as a bug
        if declared is not None:
            type_name, fields = declared
            return RemoteError(
                StatusCode.UNKNOWN,
                str(exc),
                type_name=type_name,
                fields=fields,
                remote_traceback=tb,
            )
        message = (
            f"{plan.where} raised {type(exc).__name__}: {exc}"
            if self._debug
            else f"internal error in {plan.where}"
        )
        return RemoteError(StatusCode.INTERNAL, message, remote_traceback=tb)
