"""The exceptions of the runtime and the status codes they carry.

Status codes reuse gRPC's names and numbers, so people who know gRPC know what each means and
other runtimes can map them one to one. Protocol errors are split like h11's: a
`LocalProtocolError` means *we* tried to do something the protocol forbids (a bug or a misuse in
the caller of the core, nothing was sent); a `RemoteProtocolError` means the peer broke the
protocol, and the connection must be closed with a GOAWAY carrying `code`.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any


class StatusCode(enum.IntEnum):
    OK = 0
    CANCELLED = 1
    UNKNOWN = 2
    INVALID_ARGUMENT = 3
    DEADLINE_EXCEEDED = 4
    NOT_FOUND = 5
    ALREADY_EXISTS = 6
    PERMISSION_DENIED = 7
    RESOURCE_EXHAUSTED = 8
    FAILED_PRECONDITION = 9
    ABORTED = 10
    OUT_OF_RANGE = 11
    UNIMPLEMENTED = 12
    INTERNAL = 13
    UNAVAILABLE = 14
    DATA_LOSS = 15
    UNAUTHENTICATED = 16

    @classmethod
    def from_wire(cls, code: int) -> StatusCode:
        """Codes this version does not know are treated as UNKNOWN (docs/protocol.md 7.1)."""
        try:
            return cls(code)
        except ValueError:
            return cls.UNKNOWN


class GraftError(Exception):
    """Base of every error the runtime raises. `code` says which status it corresponds to."""

    code: StatusCode = StatusCode.UNKNOWN

    def __init__(self, message: str = "", *, code: StatusCode | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class ProtocolError(GraftError):
    """The Hypertube protocol was violated. See `LocalProtocolError`, `RemoteProtocolError`."""

    code = StatusCode.INVALID_ARGUMENT


class LocalProtocolError(ProtocolError):
    """This side tried to send something the protocol (or the peer's limits) does not allow.

    Nothing was sent and the connection's state did not change, so it stays usable."""


class RemoteProtocolError(ProtocolError):
    """The peer broke the protocol. Send `GoAway(last_id, exc.code, exc.message)` and close."""


class RemoteError(GraftError):
    """A call failed on the gateway: a status `code`, plus for application errors the declared
    error type's name and its fields (already decoded when a typed client knew the type)."""

    def __init__(
        self,
        code: StatusCode,
        message: str,
        *,
        type_name: str | None = None,
        fields: Mapping[str, Any] | None = None,
        remote_traceback: str | None = None,
    ) -> None:
        super().__init__(message, code=code)
        self.type_name = type_name
        self.fields: Mapping[str, Any] = fields if fields is not None else {}
        self.remote_traceback = remote_traceback

    def __str__(self) -> str:
        head = f"{self.code.name}: {self.message}"
        if self.type_name is not None:
            head = f"{self.type_name} ({head})"
        if self.remote_traceback:
            head += "\n\nRemote traceback:\n" + self.remote_traceback
        return head


class DeadlineExceeded(GraftError):
    """The call's deadline passed, locally or on the gateway."""

    code = StatusCode.DEADLINE_EXCEEDED


class Cancelled(GraftError):
    """The call was cancelled before it finished."""

    code = StatusCode.CANCELLED


class ConnectionLost(GraftError):
    """The connection closed or failed before the call was answered.

    `retry_safe` is True only when the gateway said (with GOAWAY) that it never processed the
    call; otherwise it may or may not have run."""

    code = StatusCode.UNAVAILABLE

    def __init__(
        self,
        message: str = "connection lost",
        *,
        retry_safe: bool = False,
        code: StatusCode | None = None,
    ) -> None:
        super().__init__(message, code=code)
        self.retry_safe = retry_safe


class InvalidValue(GraftError, ValueError):
    """A value does not match its declared type. `path` says where, e.g. `items[2].quantity`.

    The gateway answers it as INVALID_ARGUMENT; a client that receives a bad value reports it as
    DATA_LOSS (whoever raises it sets `code`). Paths are built while the error unwinds (each
    container level calls `within`), so the success path pays nothing for them.
    """

    code = StatusCode.INVALID_ARGUMENT

    def __init__(self, problem: str, *, code: StatusCode | None = None) -> None:
        super().__init__(problem, code=code)
        self.problem = problem
        self.segments: list[str] = []

    def within(self, segment: str) -> InvalidValue:
        """Record that the bad value sits under `segment` (a name, `[2]` or `["key"]`)."""
        self.segments.insert(0, segment)
        self.message = str(self)
        return self

    @property
    def path(self) -> str:
        out = ""
        for s in self.segments:
            if s.startswith("[") or not out:
                out += s
            else:
                out += "." + s
        return out

    def __str__(self) -> str:
        path = self.path
        return f"{path}: {self.problem}" if path else self.problem


def error_from_status(
    code: StatusCode,
    message: str,
    *,
    type_name: str | None = None,
    fields: Mapping[str, Any] | None = None,
    remote_traceback: str | None = None,
) -> GraftError:
    """The exception a client raises for an ERROR answer without a known application type."""
    if type_name is None:
        if code is StatusCode.DEADLINE_EXCEEDED:
            return DeadlineExceeded(message)
        if code is StatusCode.CANCELLED:
            return Cancelled(message)
    return RemoteError(
        code, message, type_name=type_name, fields=fields, remote_traceback=remote_traceback
    )
