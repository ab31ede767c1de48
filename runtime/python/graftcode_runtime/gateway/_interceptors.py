"""Server interceptors: middleware around every call the gateway runs, on every driver.

They run in the one dispatch path (`Job.start`), after the arguments are bound and checked and
before user code, in the call's request context (the worker thread, or the asyncio task of an
`async def` member). Onion order: `before_call` in the order given, then the user code, then
`after_call` or `on_error` in the reverse order, each only for the interceptors whose
`before_call` ran. Raising `Refuse(code, message)` from `before_call` answers the call with that
status and user code never runs (any other exception: INTERNAL).
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..context import Identity, RequestContext
from ..protocol import StatusCode
from ._auth import Refuse

__all__ = ["ServerCall", "ServerInterceptor", "load_interceptor"]


@dataclass
class ServerCall:
    """One call as server interceptors see it: `kind` is `call`, `new`, `get` or `set`;
    `args`/`kwargs` are bound and converted (Python values); `state` is for interceptors to keep
    what they need between their hooks (a start time, a span); `code` is the status the caller
    gets, set before `after_call` (OK) and `on_error`."""

    module: str
    kind: str
    target: str
    member: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    request: RequestContext
    state: dict[str, Any] = field(default_factory=dict)
    code: StatusCode | None = None

    @property
    def metadata(self) -> Mapping[str, str | bytes]:
        return self.request.metadata

    @property
    def identity(self) -> Identity | None:
        return self.request.identity

    @property
    def peer(self) -> str:
        return self.request.peer


class ServerInterceptor:
    """Base class of server interceptors; override what you need. Hooks are plain functions
    so one interceptor serves sync and async members alike; keep them quick (they run on the
    call's thread or in the asyncio loop)."""

    def before_call(self, call: ServerCall) -> None:
        """Before user code: refuse (raise `Refuse`), log, start a timer or a span."""

    def after_call(self, call: ServerCall, result: Any) -> Any:
        """After user code returned; returns the (possibly replaced) result."""
        return result

    def on_error(self, call: ServerCall, error: BaseException) -> None:
        """After user code (or an inner interceptor) raised; the error still reaches the
        caller. `call.code` is the status the caller gets."""


def status_of(error: BaseException, declared: Callable[[BaseException], bool]) -> StatusCode:
    """The status a caller gets for `error` (as `Job.failure` answers it)."""
    if isinstance(error, Refuse):
        return error.code
    if type(error).__name__ == "CancelledError":
        return StatusCode.CANCELLED
    return StatusCode.UNKNOWN if declared(error) else StatusCode.INTERNAL


def run_before(interceptors: Sequence[ServerInterceptor], call: ServerCall) -> int:
    """Run every `before_call`; on a refusal, unwind the ones that ran and re-raise."""
    for n, i in enumerate(interceptors):
        try:
            i.before_call(call)
        except BaseException as e:
            call.code = e.code if isinstance(e, Refuse) else StatusCode.INTERNAL
            run_error(interceptors[:n], call, e)
            raise
    return len(interceptors)


def run_after(interceptors: Sequence[ServerInterceptor], call: ServerCall, result: Any) -> Any:
    call.code = StatusCode.OK
    for i in reversed(interceptors):
        result = i.after_call(call, result)
    return result


def run_error(
    interceptors: Sequence[ServerInterceptor], call: ServerCall, error: BaseException
) -> None:
    for i in reversed(interceptors):
        i.on_error(call, error)


def load_interceptor(spec: str) -> ServerInterceptor:
    """`package.module:name`: a ServerInterceptor, or a class (called with no arguments) or a
    function returning one. Raises ValueError naming what is wrong."""
    mod, sep, attr = spec.partition(":")
    if not sep or not mod or not attr:
        raise ValueError(f"{spec!r}: expected 'package.module:name'")
    try:
        obj: object = getattr(importlib.import_module(mod), attr)
    except (ImportError, AttributeError) as e:
        raise ValueError(f"cannot load {spec!r}: {e}") from None
    if callable(obj) and not isinstance(obj, ServerInterceptor):
        try:
            obj = obj()
        except Exception as e:  # a factory that needs arguments, or fails
            raise ValueError(f"{spec!r}: calling it failed ({type(e).__name__}: {e})") from None
    if not isinstance(obj, ServerInterceptor):
        raise ValueError(f"{spec!r} is not a ServerInterceptor")
    return obj


def intercept(
    interceptors: Sequence[ServerInterceptor],
    call: ServerCall,
    func: Callable[..., Any],
    declared: Callable[[BaseException], bool],
) -> Any:
    """Run `func(*call.args, **call.kwargs)` inside the interceptors (in the request context:
    the caller runs this under `Job.ctx`). A coroutine comes back wrapped, so the after hooks
    of an async member run when it finishes, in its task."""
    run_before(interceptors, call)
    try:
        result = func(*call.args, **call.kwargs)
    except BaseException as e:
        call.code = status_of(e, declared)
        run_error(interceptors, call, e)
        raise
    if inspect.iscoroutine(result):
        return _finish_async(interceptors, call, result, declared)
    return run_after(interceptors, call, result)


async def _finish_async(
    interceptors: Sequence[ServerInterceptor],
    call: ServerCall,
    coro: Coroutine[Any, Any, Any],
    declared: Callable[[BaseException], bool],
) -> Any:
    try:
        result = await coro
    except BaseException as e:
        call.code = status_of(e, declared)
        run_error(interceptors, call, e)
        raise
    return run_after(interceptors, call, result)
