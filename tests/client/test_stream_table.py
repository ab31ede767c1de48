"""The call table's stream rules without sockets (docs/protocol.md 5.5): items in order, a
WINDOW after half the window is taken, the error after the items, dropped streams cancelled
with the next message, and a stream parameter sent only within the gateway's credit."""

from __future__ import annotations

import pytest
from graftcode_runtime import RemoteError, StatusCode
from graftcode_runtime.client._call_table import (
    END,
    HELLO,
    NOTHING,
    STREAM_WINDOW,
    CallTable,
    new_hello,
)
from graftcode_runtime.protocol import (
    FEATURE_STREAM,
    NEED_DATA,
    SERVER,
    Call,
    Cancel,
    Connection,
    End,
    Error,
    Hello,
    Item,
    Result,
    Window,
)

NOW = 1000.0


def opened(stream_window: int = 2) -> tuple[CallTable, Connection]:
    table = CallTable(new_hello("logs", "", None, None))
    server = Connection(SERVER)
    server.receive_data(table.start_handshake())
    hello = server.next_event()
    assert isinstance(hello, Hello) and FEATURE_STREAM in hello.features
    reply = Hello(module="logs", features=(FEATURE_STREAM,), stream_window=stream_window)
    assert table.receive(server.send(reply)) == [HELLO]
    table.take(HELLO, NOW)
    return table, server


def start(table: CallTable, server: Connection, window: int | None) -> int:
    key, data = table.start_call(
        "call", "logs", "tail", ["app"], {}, None, None, {}, None, NOW, window
    )
    server.receive_data(data)
    call = server.next_event()
    assert isinstance(call, Call) and call.window == window
    return key


def sent_by_table(table: CallTable, server: Connection) -> list[object]:
    for chunk in table.take_outgoing():
        server.receive_data(chunk)
    out = []
    while (ev := server.next_event()) is not NEED_DATA:
        out.append(ev)
    return out


def test_items_in_order_then_the_end_with_credit_granted_as_they_are_taken() -> None:
    table, server = opened()
    key = start(table, server, STREAM_WINDOW)
    data = b"".join(server.send(Item(key, i)) for i in range(STREAM_WINDOW))
    assert key in table.receive(data)
    taken = [table.take_item(key, NOW) for _ in range(STREAM_WINDOW)]
    assert taken == list(range(STREAM_WINDOW))
    grants = sent_by_table(table, server)
    assert grants == [Window(key, STREAM_WINDOW // 2)] * 2
    table.receive(server.send(Result(key, None)))
    assert table.take_item(key, NOW) is END


def test_nothing_yet_means_wait_and_the_error_comes_after_the_items() -> None:
    table, server = opened()
    key = start(table, server, 8)
    assert table.take_item(key, NOW) is NOTHING
    table.receive(
        server.send(Item(key, "a"))
        + server.send(Error(key, StatusCode.UNKNOWN, "boom", "Boom", {}))
    )
    assert table.take_item(key, NOW) == "a"
    with pytest.raises(RemoteError) as info:
        table.take_item(key, NOW)
    assert info.value.type_name == "Boom"


def test_a_dropped_stream_is_cancelled_with_the_next_message_and_its_items_dropped() -> None:
    table, server = opened()
    key = start(table, server, 8)
    table.cancel_later(key)
    assert table.receive(server.send(Item(key, 1))) == []
    assert sent_by_table(table, server) == [Cancel(key)]


def test_a_stream_parameter_is_sent_within_the_gateway_credit() -> None:
    table, server = opened(stream_window=2)
    key = start(table, server, None)
    server.accept_stream(key)
    for i in range(2):
        assert table.may_send_item(key) is True
        server.receive_data(table.send_item(key, i))
        assert server.next_event() == Item(key, i)
    assert table.may_send_item(key) is False  # credit spent: wait for a WINDOW
    assert table.receive(server.send(Window(key, 1))) == [key]
    assert table.may_send_item(key) is True
    server.receive_data(table.end_items(key))
    assert server.next_event() == End(key)
    table.receive(server.send(Result(key, 3)))
    assert table.may_send_item(key) is None  # answered: the sender stops
