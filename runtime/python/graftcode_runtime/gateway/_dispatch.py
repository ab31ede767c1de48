"""Executes one call against a hosted module, and only what its UGM declares: the one dispatch
path every gateway driver uses.

`Dispatcher.prepare` resolves the call against the UGM (unknown target or member: NOT_FOUND)
and builds the request context. The `Job` it returns binds the arguments to the declared
parameters by Python's rules and converts them with the value codec (wrong count, wrong type,
unknown keyword: INVALID_ARGUMENT) before any user code runs, then runs the user code (`start`: a
value, or a coroutine for async members, which drivers run on the asyncio bridge), converts
the result to the wire (`to_wire`) and turns whatever user code raised into the answer
(`failure`): declared errors with their fields, anything else INTERNAL, with details and
traceback only in debug mode (docs/protocol.md 7).

Nothing here waits, locks or schedules: the session policy calls `prepare`, `to_wire` and
`failure`; a driver only decides where `start` runs (a worker thread, the reading thread,
the asyncio loop). Binding is in `start`, not in `prepare`, because it is the costly part and a
driver that guards its policy with a lock runs `start` outside it.
"""

from __future__ import annotations

import contextvars
import dataclasses
import functools
import inspect
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .. import context, ugm
from ..protocol import Call, GraftError, InstanceTable, InvalidValue, Op, RemoteError, StatusCode
from ._auth import Refuse
from ._cancel_flag import LazyCancelFlag
from ._hosting import HostedModule
from ._inbox import Inbox
from ._interceptors import ServerCall, ServerInterceptor, intercept
from ._streaming import ServerStream

if TYPE_CHECKING:
    from ..values._arguments import _ArgBinder
    from ..values._converter import Converter

_NONE = ugm.Primitive("none")
_CURRENT = context._current
_RequestContext = context.RequestContext
_ASYNC: dict[Callable[..., Any], bool] = {}


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
    # Set once by `Dispatcher._ready` (the plan is cached per dispatcher, so per codec): the
    # index of the stream parameter (-1: none), the argument binder and the result's encoder,
    # so a call looks none of them up by its parameter tuple (hashing it costs ~6 calls).
    stream_index: int = field(default=-1, compare=False)
    binder: _ArgBinder | None = field(default=None, compare=False)
    encode: Converter | None = field(default=None, compare=False)


def _argument_message(where: str, e: InvalidValue) -> str:
    """`shop.order: argument 'items': [2].quantity: expected int, got str`."""
    if not e.segments:
        return f"{where}: {e.problem}"
    inner = InvalidValue(e.problem)
    inner.segments = e.segments[1:]
    return f"{where}: argument {e.segments[0]!r}: {inner}"


class ArgumentError(RemoteError):
    """The arguments do not fit the declared parameters: the answer, before user code ran."""


class Job:
    """One call, bound and ready to run. The session policy owns its life cycle (`done` once
    answered); `handle` is the driver's own (a cancel scope, an asyncio task) to stop it."""

    __slots__ = (
        "call",
        "call_id",
        "ctx",
        "deadline",
        "dispatcher",
        "done",
        "func",
        "handle",
        "inbox",
        "instances",
        "plan",
        "request",
        "started",
        "stream",
    )

    def __init__(
        self,
        dispatcher: Dispatcher,
        call: Call,
        plan: _Plan,
        func: Callable[..., Any],
        instances: InstanceTable,
        ctx: contextvars.Context,
        request: context.RequestContext,
        deadline: float | None,
    ) -> None:
        self.dispatcher = dispatcher
        self.call = call
        self.call_id = call.id
        self.plan = plan
        self.func = func
        self.instances = instances
        self.ctx = ctx
        self.request = request
        self.deadline = deadline
        self.done = False
        self.handle: Any = None
        self.started = 0.0  # when the session accepted it (its `now`), for the metrics
        returns = plan.returns
        self.stream = ServerStream(returns.item) if type(returns) is ugm.StreamOf else None
        """Server streaming: after the member returned, `start` steps its producer."""
        self.inbox: Inbox | None = None
        """Client streaming: the stream parameter's items (the policy sets it up)."""

    @property
    def where(self) -> str:
        return self.plan.where

    @property
    def is_async(self) -> bool:
        stream = self.stream
        if stream is not None and stream.started:
            return stream.is_async
        func = self.func
        if self.plan.class_name is not None:
            return inspect.iscoroutinefunction(func)  # a bound method or a property lambda
        known = _ASYNC.get(func)  # static members: one function per plan, asked every call
        if known is None:
            known = _ASYNC[func] = inspect.iscoroutinefunction(func)
        return known

    def start(self) -> Any:
        """Bind the arguments (ArgumentError when they do not fit), then run the user code in
        the call's request context: its value, or a coroutine for async members (and for sync
        functions that return one). Raises what the user code raised. For a streaming call
        whose member has returned, one step of its producer instead (`ServerStream.step`)."""
        stream = self.stream
        if stream is not None and stream.started:
            return stream.step(self.ctx)
        plan, call = self.plan, self.call
        inbox = self.inbox
        try:
            if inbox is None and plan.binder is not None:
                try:  # the codec's `args_from_wire` without its look-up by parameter tuple
                    args, kwargs = plan.binder.bind(
                        call.args, call.kwargs, self.instances, decode=True
                    )
                except RecursionError:
                    raise InvalidValue("an argument nests too deeply") from None
            else:
                params = plan.params if inbox is None else _placeholder_params(plan.params)
                args, kwargs = self.dispatcher.codec.args_from_wire(
                    params, call.args, call.kwargs, instances=self.instances
                )
        except InvalidValue as e:
            raise ArgumentError(
                StatusCode.INVALID_ARGUMENT, _argument_message(plan.where, e)
            ) from None
        if inbox is not None:  # the nil placeholder becomes the items (protocol.md 5.5.3)
            i = stream_param(plan.params)
            if i < len(args):
                args[i] = inbox
            else:
                kwargs[plan.params[i].name] = inbox
        d = self.dispatcher
        if not d.interceptors:
            return self.ctx.run(self.func, *args, **kwargs)
        seen = ServerCall(
            d.module.name,
            plan_kind(call.op),
            call.target,
            call.member,
            tuple(args),
            kwargs,
            self.request,
        )
        return self.ctx.run(intercept, d.interceptors, seen, self.func, d.declared)

    def abandon(self) -> None:
        """Tell code that is still running that nobody waits for it any more."""
        self.request._cancelled.set()

    def to_wire(self, result: Any, instances: InstanceTable) -> Any:
        """The wire form of the result; RemoteError when it does not match the declared type
        (INTERNAL) or registers one instance too many (RESOURCE_EXHAUSTED)."""
        d = self.dispatcher
        encode = self.plan.encode
        try:
            if encode is None:
                return d.codec.to_wire(self.plan.returns, result, instances=instances)
            try:  # the codec's `to_wire` without its look-up by type
                return encode(result, instances)
            except RecursionError:  # e.g. a cyclic object graph
                raise InvalidValue("value nests too deeply") from None
        except (InvalidValue, RemoteError) as e:
            if isinstance(e, RemoteError) and e.code is StatusCode.RESOURCE_EXHAUSTED:
                raise
            detail = f": {e}" if d.debug else ""
            raise RemoteError(
                StatusCode.INTERNAL,
                f"internal error in {self.plan.where}: its result does not match the declared "
                f"type{detail}",
            ) from None

    def item_to_wire(self, item: Any, instances: InstanceTable) -> Any:
        """The wire form of one item of a server stream (INTERNAL when it does not match)."""
        assert self.stream is not None
        try:
            return self.dispatcher.codec.to_wire(self.stream.item, item, instances=instances)
        except (InvalidValue, RemoteError) as e:
            if isinstance(e, RemoteError) and e.code is StatusCode.RESOURCE_EXHAUSTED:
                raise
            detail = f": {e}" if self.dispatcher.debug else ""
            raise RemoteError(
                StatusCode.INTERNAL,
                f"internal error in {self.plan.where}: stream item {self.stream.sent} does not "
                f"match the declared type{detail}",
            ) from None

    def failure(self, exc: BaseException, instances: InstanceTable) -> RemoteError:
        """What the caller gets for an exception of the user code (or of binding)."""
        if type(exc) is ArgumentError or isinstance(exc, Refuse):
            return exc
        d = self.dispatcher
        tb = "".join(traceback.format_exception(exc)) if d.debug else None
        try:
            declared = d.codec.error_to_wire(exc, instances=instances)
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
        where = self.plan.where
        message = (
            f"{where} raised {type(exc).__name__}: {exc}"
            if d.debug
            else f"internal error in {where}"
        )
        return RemoteError(StatusCode.INTERNAL, message, remote_traceback=tb)


class Dispatcher:
    """One per hosted module and gateway: resolved members are cached across connections."""

    def __init__(
        self,
        hosted: HostedModule,
        *,
        debug: bool = False,
        interceptors: tuple[ServerInterceptor, ...] = (),
    ) -> None:
        self.hosted = hosted
        self.module = hosted.module
        self.codec = hosted.codec
        self.debug = debug
        self.interceptors = interceptors
        self._decls = {d.name: d for d in self.module.decls}
        self._service = next(iter(self.module.services), None)
        self._plans: dict[tuple[Op, str, str], _Plan] = {}

    def prepare(
        self,
        call: Call,
        instances: InstanceTable,
        peer: str,
        deadline: float | None,
        now: float,
        identity: context.Identity | None = None,
    ) -> Job:
        """Resolve `call`; raises RemoteError (NOT_FOUND, PERMISSION_DENIED,
        DEADLINE_EXCEEDED...). Its arguments are bound when the job starts."""
        key = (call.op, call.target, call.member)
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = self._ready(self._resolve(*key))
        if plan.class_name is None and call.instance is None:
            func = plan.func  # a service function (`_callable`'s first case, inline)
            assert func is not None
        else:
            func = self._callable(plan, call, instances)
        if (type(plan.returns) is ugm.StreamOf) is not (call.window is not None):
            if call.window is None:
                message = f"{plan.where} returns a stream; call it as a stream"
            else:
                message = f"{plan.where} does not return a stream"
            raise RemoteError(StatusCode.FAILED_PRECONDITION, message)
        if deadline is not None and deadline <= now:
            raise RemoteError(
                StatusCode.DEADLINE_EXCEEDED, f"{plan.where}: the deadline had passed"
            )
        ctx = contextvars.copy_context()
        # a `RequestContext` with every field given, built without the frozen dataclass's
        # `__init__` (one `object.__setattr__` per field: ~3 µs of a ~50 µs call here)
        request = object.__new__(_RequestContext)
        request.__dict__.update(
            module=self.module.name,
            target=call.target,
            member=call.member,
            call_id=call.id,
            peer=peer,
            metadata=call.metadata or {},
            deadline=deadline,
            identity=identity,
            _cancelled=LazyCancelFlag(),
        )
        ctx.run(_CURRENT.set, request)  # what context.use does, one Python frame less
        return Job(self, call, plan, func, instances, ctx, request, deadline)

    def declared(self, error: BaseException) -> bool:
        """Whether `error` is a declared error of the module (answered UNKNOWN with fields)."""
        known = self.codec._error_of_class
        return any(cls in known for cls in type(error).__mro__)

    # ---------------------------------------------------------------- resolution

    def _ready(self, plan: _Plan) -> _Plan:
        """`plan` with what every call of it would otherwise look up (see `_Plan`)."""
        index = stream_param(plan.params)
        if index >= 0 or type(plan.returns) is ugm.StreamOf:
            return dataclasses.replace(plan, stream_index=index)  # streams take the long way
        codec = self.codec
        try:
            binder, encode = codec._binder(plan.params), codec.encoder(plan.returns)
        except Exception:  # let the call meet the same failure where it met it before
            return plan
        return dataclasses.replace(plan, binder=binder, encode=encode)

    def _resolve(self, op: Op, target: str, member: str) -> _Plan:
        decl = self._decls.get(target)
        if target == "" and self._service is not None:
            decl = self._service
        if not isinstance(decl, ugm.Service | ugm.Class):
            raise RemoteError(
                StatusCode.NOT_FOUND,
                f"module {self.module.name!r} has no service or class {target!r}",
            )
        obj = self.hosted.objects[decl.name]
        if op is Op.NEW:
            if not isinstance(decl, ugm.Class) or decl.constructor is None:
                raise RemoteError(
                    StatusCode.NOT_FOUND, f"{target} has no constructor callers can use"
                )
            assert callable(obj)
            where = f"{decl.name}()"
            return _Plan(where, decl.constructor.params, ugm.Named(decl.name), None, obj, new=True)
        if op is Op.CALL:
            method = next((m for m in decl.methods if m.name == member), None)
            if method is None:
                raise RemoteError(StatusCode.NOT_FOUND, f"{decl.name} has no method {member!r}")
            if isinstance(decl, ugm.Service):
                where = f"{self.module.name}.{method.name}"
                return _Plan(where, method.params, method.returns, None, getattr(obj, method.name))
            where = f"{decl.name}.{method.name}"
            if method.static:
                return _Plan(where, method.params, method.returns, None, getattr(obj, method.name))
            return _Plan(where, method.params, method.returns, decl.name, attr=method.name)
        if not isinstance(decl, ugm.Class):
            raise RemoteError(StatusCode.NOT_FOUND, f"{decl.name} has no properties")
        prop = next((p for p in decl.properties if p.name == member), None)
        if prop is None:
            raise RemoteError(StatusCode.NOT_FOUND, f"{decl.name} has no property {member!r}")
        where = f"{decl.name}.{prop.name}"
        if op is Op.GET:
            return _Plan(where, (), prop.type, decl.name, prop=prop)
        if prop.readonly:
            raise RemoteError(StatusCode.PERMISSION_DENIED, f"{where} is read-only")
        value = ugm.Param("value", prop.type, kind="positional")
        return _Plan(where, (value,), _NONE, decl.name, prop=prop)

    @staticmethod
    def _callable(plan: _Plan, call: Call, instances: InstanceTable) -> Callable[..., Any]:
        if plan.class_name is None:
            if call.instance is not None:
                raise RemoteError(StatusCode.INVALID_ARGUMENT, f"{plan.where} takes no instance")
            assert plan.func is not None
            return plan.func
        if call.instance is None:
            raise RemoteError(
                StatusCode.INVALID_ARGUMENT, f"{plan.where} needs an instance of {plan.class_name}"
            )
        target = instances.get(call.instance, plan.class_name)
        if plan.prop is None:
            return getattr(target, plan.attr)  # type: ignore[no-any-return]
        name = plan.prop.name
        if call.op is Op.GET:
            return lambda: getattr(target, name)
        return lambda v: setattr(target, name, v)


# prepare() gives every field, and nothing runs after __init__: checked once, at import
assert {f.name for f in dataclasses.fields(context.RequestContext)} == {
    "module",
    "target",
    "member",
    "call_id",
    "peer",
    "metadata",
    "deadline",
    "identity",
    "_cancelled",
} and "__post_init__" not in vars(context.RequestContext)


@functools.lru_cache(maxsize=256)
def stream_param(params: tuple[ugm.Param, ...]) -> int:
    """The index of the stream parameter (client streaming), -1 when there is none."""
    return next((i for i, p in enumerate(params) if type(p.type) is ugm.StreamOf), -1)


@functools.lru_cache(maxsize=256)
def _placeholder_params(params: tuple[ugm.Param, ...]) -> tuple[ugm.Param, ...]:
    """`params` with the stream parameter typed `none`: the CALL carries nil in its place."""
    return tuple(
        dataclasses.replace(p, type=_NONE) if type(p.type) is ugm.StreamOf else p for p in params
    )


def plan_kind(op: Op) -> str:
    """`call`, `new`, `get` or `set`: the operation as interceptors see it."""
    return op.name.lower()
