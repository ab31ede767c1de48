"""The Hypertube protocol core, sans-IO (docs/protocol.md): events, the per-connection state
machine, framing, msgpack encoding and the receive limits. Nothing here touches a socket, a
clock, a thread or an event loop; the client and gateway drivers do."""

from ._connection import CLIENT, SERVER, Connection, Framing, Role, State
from ._errors import (
    Cancelled,
    ConnectionLost,
    DeadlineExceeded,
    GraftError,
    InvalidValue,
    LocalProtocolError,
    ProtocolError,
    RemoteError,
    RemoteProtocolError,
    StatusCode,
    error_from_status,
)
from ._events import (
    NEED_DATA,
    Call,
    Cancel,
    ConnectionClosed,
    Error,
    Event,
    GoAway,
    Hello,
    InstanceRef,
    Message,
    NeedData,
    Op,
    Ping,
    Pong,
    Release,
    Result,
)
from ._instances import InstanceTable
from ._limits import Limits
from ._remote_errors import error_from_event, error_from_goaway

__all__ = [
    "CLIENT",
    "NEED_DATA",
    "SERVER",
    "Call",
    "Cancel",
    "Cancelled",
    "Connection",
    "ConnectionClosed",
    "ConnectionLost",
    "DeadlineExceeded",
    "Error",
    "Event",
    "Framing",
    "GoAway",
    "GraftError",
    "Hello",
    "InstanceRef",
    "InstanceTable",
    "InvalidValue",
    "Limits",
    "LocalProtocolError",
    "Message",
    "NeedData",
    "Op",
    "Ping",
    "Pong",
    "ProtocolError",
    "Release",
    "RemoteError",
    "RemoteProtocolError",
    "Result",
    "Role",
    "State",
    "StatusCode",
    "error_from_event",
    "error_from_goaway",
    "error_from_status",
]
