"""Fixtures for the sans-IO protocol tests: connections already in a given state."""

from __future__ import annotations

from graftcode_runtime.protocol._connection import CLIENT, SERVER, Connection, Framing
from graftcode_runtime.protocol._events import NEED_DATA, Hello
from graftcode_runtime.protocol._limits import Limits


def handshake(
    client_limits: Limits | None = None,
    server_limits: Limits | None = None,
    framing: Framing = Framing.STREAM,
) -> tuple[Connection, Connection]:
    """A client and a server that exchanged HELLOs."""
    c = Connection(CLIENT, client_limits, framing=framing)
    s = Connection(SERVER, server_limits, framing=framing)
    s.receive_data(c.send(Hello(module="calculator", limits=c.limits)))
    hello = s.next_event()
    assert isinstance(hello, Hello)
    c.receive_data(s.send(Hello(module="calculator", version="1.0.0", limits=s.limits)))
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
    raise ValueError(when)
