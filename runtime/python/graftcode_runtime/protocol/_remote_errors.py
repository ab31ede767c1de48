"""Turning protocol answers into the exceptions clients raise."""

from __future__ import annotations

from ._errors import ConnectionLost, GraftError, StatusCode, error_from_status
from ._events import Error, GoAway


def error_from_event(ev: Error) -> GraftError:
    return error_from_status(
        ev.code,
        ev.message,
        type_name=ev.type_name,
        fields=ev.fields,
        remote_traceback=ev.traceback,
    )


def error_from_goaway(g: GoAway, *, during_handshake: bool = False) -> GraftError:
    """What a call fails with when the gateway said GOAWAY before answering it."""
    if g.code is StatusCode.OK:
        return ConnectionLost(
            f"the gateway is shutting down and did not run this call (safe to retry): {g.message}",
            retry_safe=True,
        )
    if during_handshake:
        return error_from_status(g.code, f"the gateway refused the connection: {g.message}")
    return ConnectionLost(
        f"the gateway closed the connection ({g.code.name}): {g.message}", code=g.code
    )
