"""The request context hosted code sees while it serves a call.

The gateway sets it before user code runs (in the worker thread, or in the asyncio task for
`async def` members), so a hosted function can read the caller's metadata without any
graftcode-specific parameter:

    from graftcode_runtime import context

    def whoami() -> str:
        ctx = context.current()
        return ctx.metadata.get("user", "anonymous") if ctx else "local call"

`current()` is None outside a remote call, so the same function still works when called
directly.
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

__all__ = ["Identity", "RequestContext", "current", "use"]


@dataclass(frozen=True)
class Identity:
    """Who the caller is, as the gateway established it (docs/gateway.md, "Auth"): `name` (a
    named token's name, or what the auth hook returned) and whatever else the hook attached."""

    name: str
    attributes: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class RequestContext:
    """What the gateway knows about the call being served.

    `metadata` holds the call's headers (str values, or bytes for binary ones); `deadline` is a
    `time.monotonic()` instant (None: no deadline); `traceparent` is the W3C trace context header
    the caller sent, passed through unchanged; `peer` names the remote end
    (`tcp://1.2.3.4:5678`, `ws://...`, `inmemory:`).
    """

    module: str
    target: str
    member: str
    call_id: int
    peer: str
    metadata: Mapping[str, str | bytes] = field(default_factory=lambda: MappingProxyType({}))
    deadline: float | None = None
    identity: Identity | None = None
    _cancelled: threading.Event = field(default_factory=threading.Event, repr=False, compare=False)

    @property
    def cancelled(self) -> bool:
        """True once the caller cancelled, the deadline passed or the gateway gave up on the
        call. Python cannot interrupt a thread, so long-running synchronous code that wants to
        stop early checks this (async code gets `asyncio.CancelledError` instead)."""
        return self._cancelled.is_set()

    def wait_cancelled(self, timeout: float | None = None) -> bool:
        """Block until the call is cancelled (or `timeout` passes); returns `cancelled`."""
        return self._cancelled.wait(timeout)

    @property
    def traceparent(self) -> str | None:
        """The W3C trace context header of the call, if the caller sent one."""
        value = self.metadata.get("traceparent")
        return value if isinstance(value, str) else None

    def time_remaining(self) -> float | None:
        """Seconds left before the caller gives up (never negative), or None without a deadline."""
        if self.deadline is None:
            return None
        return max(0.0, self.deadline - time.monotonic())


_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "graftcode_request_context", default=None
)


def current() -> RequestContext | None:
    """The context of the remote call being served in this thread or task, if any."""
    return _current.get()


def use(ctx: RequestContext | None) -> contextvars.Token[RequestContext | None]:
    """Make `ctx` current (the gateway calls this; hosted code only reads)."""
    return _current.set(ctx)
