"""Fixtures for the sans-IO protocol tests: connections already in a given state."""

from __future__ import annotations

from graftcode_runtime.protocol._connection import CLIENT, SERVER, Connection, Framing
from graftcode_runtime.protocol._events import FEATURE_STREAM, NEED_DATA, Call, Hello, Op
from graftcode_runtime.protocol._limits import Limits


def handshake(
    client_limits: Limits | None = None,
    server_limits: Limits | None = None,
    framing: Framing = Framing.STREAM,
    *,
    streams: bool = False,
) -> tuple[Connection, Connection]:
    """A client and a server that exchanged HELLOs (with the feature `stream` if `streams`:
    the gateway's `stream_window` is 2)."""
    c = Connection(CLIENT, client_limits, framing=framing)
    s = Connection(SERVER, server_limits, framing=framing)
    features = (FEATURE_STREAM,) if streams else ()
    s.receive_data(c.send(Hello(module="calculator", limits=c.limits, features=features)))
    hello = s.next_event()
    assert isinstance(hello, Hello)
    c.receive_data(
        s.send(
            Hello(
                module="calculator",
                version="1.0.0",
                limits=s.limits,
                features=features,
                stream_window=2 if streams else 0,
                max_streams=100 if streams else 0,
            )
        )
    )
    assert isinstance(c.next_event(), Hello)
    assert s.next_event() is NEED_DATA and c.next_event() is NEED_DATA
    return c, s


def connection_in(when: str) -> Connection:
    """The receiver a vector's `when` names."""
    if when in ("server_handshake",):
        return Connection(SERVER)
    c, s = handshake()
    if when in ("server_open", "eof"):
        return s
    if when == "client_open":
        return c
    if when in ("server_stream", "client_stream"):
        return streaming_call()[0 if when == "client_stream" else 1]
    raise ValueError(when)


def streaming_call() -> tuple[Connection, Connection]:
    """The situation of the `server_stream` / `client_stream` vectors (docs/protocol.md 11):
    the feature `stream` in effect (gateway `stream_window` 2), and call 1 in flight, sent with
    `window` 1 and accepted by the gateway as taking a client stream."""
    c, s = handshake(streams=True)
    s.receive_data(c.send(Call(1, Op.CALL, "files", "sync", None, [None], {}, None, None, 1)))
    assert isinstance(s.next_event(), Call)
    s.accept_stream(1)
    return c, s
