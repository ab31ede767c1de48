"""Client interceptors: plugins that see every outgoing call of a generated client (add auth
metadata, tighten timeouts, log, map errors). Configured per module like any other setting
(`interceptors` in `graftcode_runtime.config`)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CallContext", "ClientInterceptor"]


@dataclass
class CallContext:
    """One outgoing call as interceptors see it. `metadata` and `timeout` may be changed in
    `before_call`; `kind`/`target`/`member`/`args`/`kwargs` are the wire-level call."""

    module: str
    kind: str
    target: str
    member: str
    args: tuple[object, ...]
    kwargs: dict[str, object]
    instance: object | None
    metadata: dict[str, str]
    timeout: float | None


class ClientInterceptor:
    """Base class of client-side interceptors. Hooks are plain functions so one interceptor
    serves sync and async clients alike; override what you need. An exception raised by a hook
    fails the call with that exception."""

    def before_call(self, ctx: CallContext) -> None:
        """Runs before the call is sent (add auth metadata, tighten the timeout, log...)."""

    def after_call(self, ctx: CallContext, result: object) -> object:
        """Runs on success with the wire result; returns the (possibly replaced) result."""
        return result

    def on_error(self, ctx: CallContext, error: BaseException) -> None:
        """Runs when the call failed, before the error reaches the caller."""
