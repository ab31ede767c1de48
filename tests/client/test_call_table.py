"""The call table without sockets, threads or clocks: bytes from a sans-IO gateway in, keys,
values and typed exceptions out; times are plain numbers."""

from __future__ import annotations

import math
import random
from typing import Any

import pytest
from graftcode_runtime import (
    Cancelled,
    ConnectionLost,
    DeadlineExceeded,
    ProtocolError,
    RemoteError,
    StatusCode,
)
from graftcode_runtime.client._call_table import (
    HELLO,
    MAX_TIMEOUT,
    CallTable,
    InstanceId,
    check_alive,
    connect_budget,
    connect_timed_out,
    deadline_after,
    new_hello,
)
from graftcode_runtime.protocol import (
    NEED_DATA,
    SERVER,
    Call,
    Cancel,
    Connection,
    Error,
    Framing,
    GoAway,
    Hello,
    InstanceRef,
    Ping,
    Pong,
    Release,
    Result,
)

NOW = 1000.0


def opened(message_mode: bool = False, first_id: int = 1) -> tuple[CallTable, Connection]:
    """A table whose handshake is done, and the gateway's end of its connection."""
    table = CallTable(
        new_hello("calc", "", None, None), message_mode=message_mode, first_id=first_id
    )
    server = Connection(SERVER, framing=Framing.MESSAGE if message_mode else Framing.STREAM)
    server.receive_data(table.start_handshake())
    assert isinstance(server.next_event(), Hello)
    assert table.receive(server.send(Hello(module="calc", version="1.0"))) == [HELLO]
    assert table.take(HELLO, NOW).version == "1.0"
    assert table.open
    return table, server


def call(table: CallTable, deadline: float | None = None, **kw: Any) -> tuple[int, bytes]:
    args: dict[str, Any] = {
        "kind": "call", "target": "calc", "member": "add", "args": (1, 2), "kwargs": {},
        "instance": None, "deadline": deadline, "defaults": {}, "metadata": None, "now": NOW,
    }  # fmt: skip
    args.update(kw)
    return table.start_call(**args)


def received(server: Connection, data: bytes) -> list[Any]:
    server.receive_data(data)
    out = []
    while (ev := server.next_event()) is not NEED_DATA:
        out.append(ev)
    return out


def test_a_call_is_built_sent_and_answered() -> None:
    table, server = opened(first_id=41)
    cid, data = call(table, deadline=NOW + 2.5, defaults={"a": "1", "b": "2"}, metadata={"b": "x"})
    assert cid == 41  # ids go on from the previous connection of the client
    (sent,) = received(server, data)
    assert sent == Call(41, sent.op, "calc", "add", None, [1, 2], {}, 2500, {"a": "1", "b": "x"})
    assert table.receive(server.send(Result(41, 3))) == [41]
    assert table.take(41, NOW) == 3
    assert not table.waiting and not table.answers
    cid2, data2 = call(table)
    assert cid2 == 42 and received(server, data2)[0].metadata is None  # no metadata: nil


def test_timeouts_are_clamped_to_sane_deadlines() -> None:
    assert deadline_after(None, NOW) is None
    assert deadline_after(math.inf, NOW) is None
    assert deadline_after(-5, NOW) == NOW  # already expired
    assert deadline_after(1e300, NOW) == NOW + MAX_TIMEOUT
    with pytest.raises(ValueError, match="NaN"):
        deadline_after(math.nan, NOW)
    table, server = opened()
    cid, data = call(table, deadline=deadline_after(1e300, NOW))
    assert received(server, data)[0].timeout_ms == int(MAX_TIMEOUT * 1000)
    with pytest.raises(DeadlineExceeded):  # nothing is sent for a call already out of time
        call(table, deadline=NOW)
    assert list(table.waiting) == [cid]


def test_a_bad_kind_or_unencodable_argument_sends_nothing_and_keeps_the_table() -> None:
    table, server = opened()
    with pytest.raises(ValueError, match="kind"):
        call(table, kind="delete")
    with pytest.raises(ProtocolError):
        call(table, args=(object(),))
    assert not table.waiting and table.open
    cid, data = call(table)
    assert received(server, data)[0].id == cid


def test_error_answers_become_typed_exceptions() -> None:
    table, server = opened()
    sent = [call(table, deadline=NOW + 1) for _ in range(3)]
    ids = [cid for cid, data in sent if received(server, data)]
    answers = [
        Error(ids[0], StatusCode.NOT_FOUND, "no such thing"),
        Error(ids[1], StatusCode.CANCELLED, "cancelled"),
        Error(ids[2], StatusCode.CANCELLED, "cancelled"),
    ]
    assert table.receive(b"".join(server.send(a) for a in answers)) == ids
    with pytest.raises(RemoteError) as info:
        table.take(ids[0], NOW)
    assert info.value.code is StatusCode.NOT_FOUND
    with pytest.raises(Cancelled):  # cancelled before the caller's deadline: a cancellation
        table.take(ids[1], NOW + 0.5)
    with pytest.raises(DeadlineExceeded):  # after it: the deadline is why (protocol.md 5.2)
        table.take(ids[2], NOW + 1)


def test_a_caller_that_gives_up_sends_cancel_and_the_late_answer_is_dropped() -> None:
    table, server = opened()
    cid, data = call(table)
    received(server, data)
    cancel = table.give_up(cid)
    assert received(server, cancel) == [Cancel(cid)]
    assert table.receive(server.send(Error(cid, StatusCode.CANCELLED, "late"))) == []
    assert not table.answers and not table.waiting
    assert table.give_up(cid) == b""  # answered already: nothing more to cancel


def test_pings_both_ways() -> None:
    table, server = opened()
    key, data = table.start_ping()
    (ping,) = received(server, data)
    assert table.receive(server.send(Pong(ping.opaque))) == [key]
    assert isinstance(table.take(key, NOW), Pong)
    assert table.receive(server.send(Ping(7))) == []
    assert [received(server, d) for d in table.take_outgoing()] == [[Pong(7)]]


def test_collected_instances_go_out_in_one_release_before_the_next_call() -> None:
    table, server = opened()
    for i in (4, 5, 6):
        table.queue_release(InstanceId(i, table))
    cid, data = call(table)
    (before,) = table.take_outgoing()
    assert received(server, before + data) == [Release((4, 5, 6)), server_call(server, cid)]
    _, data = call(table)
    assert not table.outgoing  # nothing queued: nothing extra


def server_call(server: Connection, cid: int) -> Any:
    return next(iter(c for c in [Call(cid, *_call_tail())]))


def _call_tail() -> tuple[Any, ...]:
    from graftcode_runtime.protocol import Op

    return (Op.CALL, "calc", "add", None, [1, 2], {}, None, None)


def test_in_message_framing_every_queued_message_is_its_own_send() -> None:
    table, server = opened(message_mode=True)
    table.queue_release(1)
    table.receive(server.send(Ping(1)))
    table.receive(server.send(Ping(2)))
    call(table)
    out = table.take_outgoing()
    assert [received(server, m) for m in out] == [[Pong(1)], [Pong(2)], [Release((1,))]]


def test_release_now_keeps_only_this_connections_ids() -> None:
    table, server = opened()
    other, _ = opened()
    data = table.release_now([InstanceId(1, table), InstanceId(2, other), 3])
    assert received(server, data) == [Release((1, 3))]
    assert table.release_now([InstanceId(2, other)]) == b""


def test_a_graceful_goaway_fails_only_the_calls_it_will_not_run() -> None:
    table, server = opened()
    first, data1 = call(table)
    second, _ = call(table)
    received(server, data1)  # the gateway goes away before it reads the second call
    failed = table.receive(server.send(GoAway(first, StatusCode.OK, "restarting")))
    assert failed == [second] and not table.open
    with pytest.raises(ConnectionLost) as info:
        table.take(second, NOW)
    assert info.value.retry_safe
    with pytest.raises(ConnectionLost) as info:  # no new calls on a connection going away
        call(table)
    assert info.value.retry_safe
    assert table.receive(server.send(Result(first, "done"))) == [first]
    assert table.take(first, NOW) == "done"


def test_a_failing_goaway_fails_every_waiter_with_its_code() -> None:
    table, server = opened()
    ids = [call(table)[0] for _ in range(2)]
    key, _ = table.start_ping()
    failed = table.receive(server.send(GoAway(ids[-1], StatusCode.RESOURCE_EXHAUSTED, "full")))
    assert sorted(failed) == sorted([*ids, key])
    for k in failed:
        with pytest.raises(ConnectionLost) as info:
            table.take(k, NOW)
        assert info.value.code is StatusCode.RESOURCE_EXHAUSTED
    assert table.lost is not None and not table.open


def test_a_goaway_instead_of_hello_is_the_refusal() -> None:
    table = CallTable(new_hello("nope", "", None, None))
    server = Connection(SERVER)
    server.receive_data(table.start_handshake())
    server.next_event()
    refusal = GoAway(0, StatusCode.NOT_FOUND, "no module 'nope'")
    assert table.receive(server.send(refusal)) == [HELLO]
    with pytest.raises(RemoteError, match="no module 'nope'") as info:
        table.take(HELLO, NOW)
    assert info.value.code is StatusCode.NOT_FOUND


def test_the_end_of_the_transport_fails_every_waiter_once() -> None:
    table, _ = opened()
    ids = [call(table)[0] for _ in range(3)]
    assert sorted(table.receive(b"")) == ids
    assert table.receive(b"") == []  # read again after the end: nothing new, no loop
    for cid in ids:
        with pytest.raises(ConnectionLost, match="closed the connection"):
            table.take(cid, NOW)
    with pytest.raises(ConnectionLost):
        call(table)


def test_a_protocol_error_fails_every_waiter_and_queues_the_goaway() -> None:
    table, server = opened()
    cid, data = call(table)
    received(server, data)
    assert table.receive(b"\x00\x00\x00\x02\xc1\xc1") == [cid]  # 0xc1 is never valid msgpack
    with pytest.raises(ProtocolError, match="broke the protocol"):
        table.take(cid, NOW)
    (goaway,) = received(server, table.take_outgoing()[0])
    assert isinstance(goaway, GoAway) and goaway.code is not StatusCode.OK


def test_closing_sends_goaway_and_fails_the_waiters() -> None:
    table, server = opened()
    cid, data = call(table)
    received(server, data)
    goaway, failed = table.close()
    assert received(server, goaway) == [GoAway(cid, StatusCode.OK, "client closing")]
    assert failed == [cid]
    with pytest.raises(ConnectionLost, match="client was closed"):
        table.take(cid, NOW)
    assert table.close()[0] == b""


def test_instance_ids_are_bound_to_their_connection() -> None:
    table, server = opened()
    iid = table.bind(InstanceRef(3, "Cart"))
    assert iid == 3 and iid.table is table
    cid, data = call(table, kind="get", target="Cart", member="total", args=(), instance=iid)
    assert received(server, data)[0].instance == InstanceRef(3)
    newer, _ = opened(first_id=cid + 1)
    with pytest.raises(RemoteError, match="another connection") as info:
        call(newer, kind="get", target="Cart", member="total", args=(), instance=iid)
    assert info.value.code is StatusCode.NOT_FOUND
    check_alive(iid)
    table.receive(b"")
    with pytest.raises(RemoteError, match="connection that was lost") as info:
        check_alive(iid, "Cart")
    assert "Cart instance 3" in str(info.value)
    with pytest.raises(ProtocolError):
        table.bind("not a reference")


def test_connecting_is_bounded_by_the_sooner_of_deadline_and_connect_timeout() -> None:
    assert connect_budget(NOW + 0.2, 30.0, NOW) == (pytest.approx(0.2), True)
    assert connect_budget(NOW + 60, 30.0, NOW) == (30.0, False)
    assert connect_budget(None, 30.0, NOW) == (30.0, False)
    assert connect_budget(None, None, NOW) == (None, False)
    assert connect_budget(NOW - 1, None, NOW) == (0.0, True)
    assert isinstance(connect_timed_out("tcp://h:1", True, 30.0), DeadlineExceeded)
    lost = connect_timed_out("tcp://h:1", False, 30.0)
    assert isinstance(lost, ConnectionLost) and "30 s" in str(lost)


def test_random_bytes_never_escape_as_anything_but_a_failed_connection() -> None:
    rng = random.Random(11)
    for _ in range(300):
        table, _server = opened(message_mode=rng.random() < 0.5)
        cid, _ = call(table)
        for _ in range(3):
            table.receive(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 40))))
        if cid in table.answers:
            with pytest.raises((ConnectionLost, ProtocolError, RemoteError, DeadlineExceeded)):
                table.take(cid, NOW)
