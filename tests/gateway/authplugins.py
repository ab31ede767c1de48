"""An auth hook and server interceptors that the auth and interceptor tests load, in code and
by import path (`graftc serve --auth-hook authplugins:hook --interceptor authplugins:Deny`)."""

from __future__ import annotations

import time
from typing import Any

from graftcode_runtime import StatusCode
from graftcode_runtime.gateway import Credentials, Identity, Refuse, ServerCall, ServerInterceptor

HOOK_TOKEN = "hook-token-0123456789abcdef"
READONLY_TOKEN = "readonly-token-0123456789"
EVENTS: list[tuple[str, ...]] = []


def hook(c: Credentials) -> Identity | str | None:
    if c.token_name is not None:  # a named token: its name is the identity
        return c.token_name
    if c.token == HOOK_TOKEN:
        return Identity("hooked", {"transport": c.peer.transport})
    if c.token == READONLY_TOKEN:
        raise Refuse(StatusCode.PERMISSION_DENIED, "this key may not call")
    return None


class Deny(ServerInterceptor):
    """Refuses every call whose metadata says `deny: yes`, before user code."""

    def before_call(self, call: ServerCall) -> None:
        if call.metadata.get("deny") == "yes":
            raise Refuse(StatusCode.PERMISSION_DENIED, f"{call.member} refused by policy")


class Recorder(ServerInterceptor):
    """Appends what it sees to EVENTS, tagged with its name; times the call."""

    def __init__(self, name: str = "rec") -> None:
        self.name = name

    def before_call(self, call: ServerCall) -> None:
        call.state[self.name] = time.monotonic()
        who = call.identity.name if call.identity else "-"
        EVENTS.append((self.name, "before", call.member, repr(call.args), who))

    def after_call(self, call: ServerCall, result: Any) -> Any:
        assert time.monotonic() >= call.state[self.name]
        EVENTS.append((self.name, "after", call.member, repr(result), str(call.code.name)))
        return result

    def on_error(self, call: ServerCall, error: BaseException) -> None:
        code = call.code.name if call.code else "?"
        EVENTS.append((self.name, "error", call.member, type(error).__name__, code))
