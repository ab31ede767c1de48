"""The events of the Hypertube protocol: one frozen class per message kind (docs/protocol.md 4).

Events are what the sans-IO `Connection` hands out (`next_event`) and takes in (`send`). They
hold wire values: arguments and results are already-msgpack-able data (see `ValueCodec` for the
typed view). `InstanceRef` is the one value type of the protocol itself (msgpack ext type 1).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, TypeAlias

from ._errors import StatusCode
from ._event_class import _event
from ._limits import Limits

PROTOCOL_MAGIC = "hypertube"
PROTOCOL_MAJOR = 1
PROTOCOL_MINOR = 0
FEATURE_STREAM = "stream"
DEFAULT_STREAM_WINDOW = 16  # a gateway HELLO without `stream_window` means this
DEFAULT_MAX_STREAMS = 100
MAX_CREDIT = 0xFFFFFFFF  # a stream's credit never exceeds this (a WINDOW that would is an error)

_EMPTY: Mapping[str, Any] = MappingProxyType({})


class Op(enum.IntEnum):
    """What a CALL does; `CallSpec.kind` spells these "call", "new", "get", "set"."""

    CALL = 0
    NEW = 1
    GET = 2
    SET = 3


@dataclass(frozen=True, slots=True)
class InstanceRef:
    """A reference to an instance the gateway holds for this connection (ext type 1).

    Equality and hashing use the id only: the class name is informational, and a client may send
    a reference back without it."""

    id: int
    class_name: str = field(default="", compare=False)


@_event
class Hello:
    """The first message each way. A client fills `module`, `schema`, `auth`; a gateway fills
    `module`, `version`, `schema`, `modules` and `debug`. `limits` is what the sender accepts."""

    module: str = ""
    version: str = ""
    schema: str = ""
    limits: Limits = field(default_factory=Limits)
    features: tuple[str, ...] = ()
    auth: str | bytes | None = field(default=None, repr=False)  # never in logs
    agent: str = ""
    modules: tuple[str, ...] = ()
    debug: bool = False
    stream_window: int = 0  # gateway, feature "stream": client-stream initial credit (0: unsent)
    max_streams: int = 0  # gateway, feature "stream": open streaming calls (0: unsent)
    major: int = PROTOCOL_MAJOR
    minor: int = PROTOCOL_MINOR


@_event
class Call:
    """One call. `args`/`kwargs` hold wire values; `instance` is set for instance members.
    `timeout_ms` is the relative deadline; `metadata` the call's headers (None when empty)."""

    id: int
    op: Op
    target: str
    member: str = ""
    instance: InstanceRef | None = None
    args: Sequence[Any] = ()
    kwargs: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)
    timeout_ms: int | None = None
    metadata: Mapping[str, str | bytes] | None = None
    window: int | None = None  # set only when the caller expects a streamed result (5.5)


@_event
class Result:
    id: int
    value: Any = None


@_event
class Error:
    """A failed call. `type_name`/`fields` are set for declared application errors;
    `traceback` only by a gateway in debug mode."""

    id: int
    code: StatusCode
    message: str = ""
    type_name: str | None = None
    fields: Mapping[str, Any] | None = None
    traceback: str | None = None


@_event
class Cancel:
    id: int


@_event
class Release:
    ids: tuple[int, ...]


@_event
class Ping:
    opaque: int = 0


@_event
class Pong:
    opaque: int = 0


@_event
class GoAway:
    """The sender will close. From the gateway, calls with ids above `last_id` were not
    processed (safe to retry); `code` OK means a graceful shutdown."""

    last_id: int
    code: StatusCode = StatusCode.OK
    message: str = ""


@_event
class Item:
    """One item of call `id`'s stream (docs/protocol.md 5.5): of its result stream from the
    gateway, of its stream parameter from the client."""

    id: int
    value: Any = None


@_event
class End:
    """The client stream of call `id` has no more items."""

    id: int


@_event
class Window:
    """The sender can take `n` more items of call `id`'s stream (credit, 5.5)."""

    id: int
    n: int


@_event
class ConnectionClosed:
    """The transport ended (`receive_data(b"")`). `truncated` when it ended inside a frame."""

    truncated: bool = False


Message: TypeAlias = (
    Hello | Call | Result | Error | Cancel | Release | Ping | Pong | GoAway | Item | End | Window
)
Event: TypeAlias = Message | ConnectionClosed


class _NeedData(enum.Enum):
    NEED_DATA = "NEED_DATA"


NEED_DATA = _NeedData.NEED_DATA
"""Returned by `Connection.next_event` when more bytes are needed (h11's convention)."""
NeedData: TypeAlias = _NeedData
