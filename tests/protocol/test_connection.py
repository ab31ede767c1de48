"""The sans-IO state machine: handshake, multiplexing, cancel, goaway, limits, bad input."""

from __future__ import annotations

import random
import struct

import msgpack
import pytest
from graftcode_runtime.protocol._connection import CLIENT, SERVER, Connection, Framing, State
from graftcode_runtime.protocol._errors import LocalProtocolError, RemoteProtocolError, StatusCode
from graftcode_runtime.protocol._events import (
    NEED_DATA,
    Call,
    Cancel,
    ConnectionClosed,
    Error,
    GoAway,
    Hello,
    InstanceRef,
    Op,
    Ping,
    Pong,
    Release,
    Result,
)
from graftcode_runtime.protocol._limits import Limits
from hypothesis import given, settings
from hypothesis import strategies as st

from .conftest import handshake


def add(cid: int, a: int = 1, b: int = 2) -> Call:
    return Call(cid, Op.CALL, "calculator", "add", None, [a, b], {}, None, None)


def frame(obj: object) -> bytes:
    payload = msgpack.packb(obj)
    return struct.pack(">I", len(payload)) + payload


def deliver(src: Connection, dst: Connection, event: object) -> object:
    dst.receive_data(src.send(event))  # type: ignore[arg-type]
    return dst.next_event()


# ------------------------------------------------------------------------------ handshake


def test_handshake_states_and_negotiated_values() -> None:
    c = Connection(CLIENT)
    s = Connection(SERVER)
    assert c.state is State.HANDSHAKE and s.state is State.HANDSHAKE
    hello = deliver(c, s, Hello(module="shop", schema="abc", auth="tok", limits=Limits(10_000)))
    assert isinstance(hello, Hello) and hello.auth == "tok" and hello.module == "shop"
    assert s.peer_limits.max_message_size == 10_000
    assert s.state is State.HANDSHAKE  # until the gateway answers
    reply = deliver(s, c, Hello(module="shop", version="1.2.0", modules=("shop",), debug=True))
    assert isinstance(reply, Hello) and reply.debug and reply.modules == ("shop",)
    assert c.state is State.OPEN and s.state is State.OPEN
    assert c.our_hello is not None and c.their_hello == reply


def test_client_cannot_call_before_the_handshake() -> None:
    c = Connection(CLIENT)
    with pytest.raises(LocalProtocolError):
        c.send(add(1))
    c.send(Hello())
    with pytest.raises(LocalProtocolError):
        c.send(add(1))
    with pytest.raises(LocalProtocolError):
        c.send(Ping(1))


def test_server_hello_only_after_the_clients() -> None:
    s = Connection(SERVER)
    with pytest.raises(LocalProtocolError):
        s.send(Hello())


def test_hello_twice_is_refused_locally_and_remotely() -> None:
    c, s = handshake()
    with pytest.raises(LocalProtocolError):
        c.send(Hello())
    s.receive_data(frame([0, "hypertube", 1, 0, {}]))
    with pytest.raises(RemoteProtocolError):
        s.next_event()


def test_call_before_hello_is_failed_precondition() -> None:
    s = Connection(SERVER)
    s.receive_data(Connection(CLIENT)._encode(add(1)))
    with pytest.raises(RemoteProtocolError) as info:
        s.next_event()
    assert info.value.code is StatusCode.FAILED_PRECONDITION
    assert s.state is State.ERROR


def test_wrong_major_version_gets_a_clear_goaway_not_a_hang() -> None:
    s = Connection(SERVER)
    s.receive_data(frame([0, "hypertube", 2, 3, {"module": "calculator"}]))
    with pytest.raises(RemoteProtocolError) as info:
        s.next_event()
    assert info.value.code is StatusCode.UNIMPLEMENTED
    assert "2.3" in info.value.message
    # The gateway reports it, and the client sees the reason instead of a bare close.
    c = Connection(CLIENT)
    c.send(Hello())
    ev = deliver(s, c, s.goaway_for(info.value))
    assert ev == GoAway(0, StatusCode.UNIMPLEMENTED, info.value.message)
    assert c.state is State.CLOSED and c.can_close


def test_client_refuses_a_server_hello_of_another_major() -> None:
    c = Connection(CLIENT)
    c.send(Hello())
    c.receive_data(frame([0, "hypertube", 3, 0, {}]))
    with pytest.raises(RemoteProtocolError) as info:
        c.next_event()
    assert info.value.code is StatusCode.UNIMPLEMENTED


def test_server_refusing_the_handshake_closes() -> None:
    c = Connection(CLIENT)
    s = Connection(SERVER)
    deliver(c, s, Hello(module="nope"))
    ev = deliver(s, c, GoAway(0, StatusCode.NOT_FOUND, "no module 'nope'; hosted: calculator"))
    assert isinstance(ev, GoAway) and ev.code is StatusCode.NOT_FOUND
    assert s.state is State.CLOSED and c.state is State.CLOSED
    with pytest.raises(LocalProtocolError):
        c.send(add(1))


def test_hello_limits_become_the_receive_limits() -> None:
    c, s = handshake(server_limits=Limits(max_message_size=4096))
    assert c.peer_limits.max_message_size == 4096
    big = Call(1, Op.CALL, "calculator", "echo", None, [b"x" * 5000], {}, None, None)
    with pytest.raises(LocalProtocolError) as info:
        c.send(big)
    assert info.value.code is StatusCode.RESOURCE_EXHAUSTED
    assert c.calls_in_flight == set() and c.last_call_id == 0  # nothing happened
    # A peer that ignores the announced limit is cut off before its payload is buffered.
    s.receive_data(struct.pack(">I", 4097))
    with pytest.raises(RemoteProtocolError) as rinfo:
        s.next_event()
    assert rinfo.value.code is StatusCode.RESOURCE_EXHAUSTED


# --------------------------------------------------------------------------- calls


def test_many_calls_in_flight_answered_in_any_order() -> None:
    c, s = handshake()
    ids = [c.next_call_id() for _ in range(200)]
    data = b"".join(c.send(add(i, i, 1)) for i in ids)
    s.receive_data(data)
    calls = []
    while (ev := s.next_event()) is not NEED_DATA:
        assert isinstance(ev, Call)
        calls.append(ev)
    assert [x.id for x in calls] == ids and len(s.calls_in_flight) == 200
    random.Random(4).shuffle(calls)
    c.receive_data(b"".join(s.send(Result(x.id, x.args[0] + x.args[1])) for x in calls))
    answers = {}
    while (ev := c.next_event()) is not NEED_DATA:
        assert isinstance(ev, Result)
        answers[ev.id] = ev.value
    assert answers == {i: i + 1 for i in ids}
    assert not c.calls_in_flight and not s.calls_in_flight


def test_bytes_arriving_one_at_a_time() -> None:
    c, s = handshake()
    data = c.send(add(1)) + c.send(Call(2, Op.GET, "Cart", "total", InstanceRef(3, "Cart")))
    events = []
    for i in range(len(data)):
        s.receive_data(data[i : i + 1])
        while (ev := s.next_event()) is not NEED_DATA:
            events.append(ev)
    assert [type(e) for e in events] == [Call, Call]
    assert events[1].instance == InstanceRef(3)  # type: ignore[union-attr]


def test_call_ids_must_increase() -> None:
    c, s = handshake()
    deliver(c, s, add(5))
    with pytest.raises(LocalProtocolError):
        c.send(add(5))
    s.receive_data(frame([1, 5, 0, "calculator", "add", None, [1, 2], {}, None, None]))
    with pytest.raises(RemoteProtocolError):
        s.next_event()


def test_each_call_is_answered_exactly_once() -> None:
    c, s = handshake()
    deliver(c, s, add(1))
    s.send(Result(1, 3))
    with pytest.raises(LocalProtocolError):
        s.send(Error(1, StatusCode.INTERNAL, "again"))
    with pytest.raises(LocalProtocolError):
        s.send(Result(2, 3))


def test_an_oversized_answer_can_be_replaced_by_an_error() -> None:
    c, s = handshake(client_limits=Limits(max_message_size=4096))
    deliver(c, s, add(1))
    with pytest.raises(LocalProtocolError) as info:
        s.send(Result(1, b"x" * 5000))
    assert info.value.code is StatusCode.RESOURCE_EXHAUSTED
    ev = deliver(s, c, Error(1, StatusCode.RESOURCE_EXHAUSTED, str(info.value)))
    assert isinstance(ev, Error) and not c.calls_in_flight


def test_wrong_directions() -> None:
    c, s = handshake()
    with pytest.raises(LocalProtocolError):
        s.send(add(1))
    with pytest.raises(LocalProtocolError):
        c.send(Result(1, 2))
    with pytest.raises(LocalProtocolError):
        s.send(Cancel(1))
    c.receive_data(frame([1, 1, 0, "x", "y", None, [], {}, None, None]))
    with pytest.raises(RemoteProtocolError):
        c.next_event()


def test_concurrency_limit_is_reported_per_call() -> None:
    c, s = handshake(server_limits=Limits(max_concurrent_calls=2))
    for i in (1, 2):
        deliver(c, s, add(i))
        assert not s.call_limit_exceeded
    deliver(c, s, add(3))
    assert s.call_limit_exceeded
    s.send(Error(3, StatusCode.RESOURCE_EXHAUSTED, "too many calls in flight"))
    assert not s.call_limit_exceeded and s.state is State.OPEN


# --------------------------------------------------------------------------- cancel


def test_cancel_reaches_the_server_which_still_answers() -> None:
    c, s = handshake()
    deliver(c, s, add(1))
    assert deliver(c, s, Cancel(1)) == Cancel(1)
    ev = deliver(s, c, Error(1, StatusCode.CANCELLED, "cancelled"))
    assert isinstance(ev, Error) and ev.code is StatusCode.CANCELLED


def test_a_late_cancel_is_dropped() -> None:
    c, s = handshake()
    deliver(c, s, add(1))
    deliver(s, c, Result(1, 3))
    assert deliver(c, s, Cancel(1)) is NEED_DATA  # already answered: nothing to do
    assert deliver(c, s, Cancel(77)) is NEED_DATA  # never sent


# --------------------------------------------------------------------------- goaway


def test_server_goaway_splits_calls_into_answered_and_retry_safe() -> None:
    c, s = handshake()
    for i in (1, 2):
        deliver(c, s, add(i))
    crossing = c.send(add(3))  # on the wire while the gateway decides to stop
    ev = deliver(s, c, GoAway(2, StatusCode.OK, "shutting down"))
    assert isinstance(ev, GoAway) and ev.last_id == 2
    assert c.state is State.CLOSING and c.calls_in_flight == {1, 2}  # 3 is retry-safe
    with pytest.raises(LocalProtocolError) as info:
        c.send(add(4))
    assert info.value.code is StatusCode.UNAVAILABLE
    s.receive_data(crossing)
    assert s.next_event() is NEED_DATA  # dropped: above last_id
    for i in (1, 2):
        assert not c.can_close
        assert isinstance(deliver(s, c, Result(i, 3)), Result)
    assert c.can_close and s.can_close


def test_client_goaway_then_server_finishes_and_closes() -> None:
    c, s = handshake()
    deliver(c, s, add(1))
    ev = deliver(c, s, GoAway(1, StatusCode.OK, "bye"))
    assert isinstance(ev, GoAway) and s.state is State.CLOSING and not s.can_close
    deliver(s, c, Result(1, 3))
    assert s.can_close
    s.receive_data(frame([1, 2, 0, "calculator", "add", None, [1, 2], {}, None, None]))
    with pytest.raises(RemoteProtocolError):
        s.next_event()


def test_goaway_for_a_protocol_error_closes_at_once() -> None:
    c, s = handshake()
    deliver(c, s, add(1))
    s.receive_data(frame([42]))
    with pytest.raises(RemoteProtocolError) as info:
        s.next_event()
    assert info.value.code is StatusCode.UNIMPLEMENTED
    with pytest.raises(LocalProtocolError):
        s.send(Ping(1))
    ev = deliver(s, c, s.goaway_for(info.value))
    assert isinstance(ev, GoAway) and ev.last_id == 1 and ev.code is StatusCode.UNIMPLEMENTED
    assert c.state is State.CLOSED and c.can_close
    with pytest.raises(LocalProtocolError):
        s.send(GoAway(1))


# --------------------------------------------------------------------- ping, release, eof


def test_ping_pong_both_ways() -> None:
    c, s = handshake()
    assert deliver(c, s, Ping(7)) == Ping(7)
    assert deliver(s, c, Pong(7)) == Pong(7)
    assert deliver(s, c, Ping(2**64 - 1)) == Ping(2**64 - 1)


def test_release_is_applied_to_the_instance_table() -> None:
    c, s = handshake()
    a, b = object(), object()
    ra = s.instances.add(a, "Cart")
    rb = s.instances.add(b, "Cart")
    assert deliver(c, s, Release((ra.id, 999))) == Release((ra.id, 999))
    assert ra.id not in s.instances and rb.id in s.instances


def test_eof_mid_frame_is_a_truncated_close() -> None:
    c, s = handshake()
    deliver(c, s, add(1))
    data = c.send(add(2))
    s.receive_data(data[:-3])
    assert s.next_event() is NEED_DATA
    s.receive_data(b"")
    assert s.next_event() == ConnectionClosed(truncated=True)
    assert s.state is State.CLOSED and s.calls_in_flight == {1}
    assert s.next_event() == ConnectionClosed(truncated=True)
    with pytest.raises(LocalProtocolError):
        s.receive_data(b"more")


def test_clean_eof() -> None:
    c, _ = handshake()
    c.receive_data(b"")
    assert c.next_event() == ConnectionClosed(truncated=False)


# ----------------------------------------------------------------------- message mode


def test_message_mode_has_no_length_prefix() -> None:
    c, s = handshake(framing=Framing.MESSAGE, server_limits=Limits(max_message_size=4096))
    data = c.send(add(1))
    assert data[0] == 0x9A  # the array header, not a length
    s.receive_data(data)
    assert isinstance(s.next_event(), Call)
    s.receive_data(b"\x9a" + b"\x00" * 5000)
    with pytest.raises(RemoteProtocolError) as info:
        s.next_event()
    assert info.value.code is StatusCode.RESOURCE_EXHAUSTED


# ---------------------------------------------------------------------- garbage bytes


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=1, max_size=200), st.sampled_from(["handshake", "open"]))
def test_garbage_never_crashes(data: bytes, when: str) -> None:
    s = Connection(SERVER) if when == "handshake" else handshake()[1]
    s.receive_data(data)
    try:
        for _ in range(100):
            if s.next_event() is NEED_DATA:
                break
    except RemoteProtocolError as e:
        assert isinstance(e.code, StatusCode) and e.message
        assert s.send(s.goaway_for(e))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=40), min_size=1, max_size=20))
def test_any_split_of_the_stream_gives_the_same_events(cuts: list[int]) -> None:
    c, s = handshake()
    data = b"".join(c.send(add(i, i)) for i in range(1, 6))
    pos, events = 0, []
    for n in [*cuts, len(data)]:
        s.receive_data(data[pos : pos + n])
        pos += n
        while (ev := s.next_event()) is not NEED_DATA:
            events.append(ev)
        if pos >= len(data):
            break
    assert [e.id for e in events] == [1, 2, 3, 4, 5]  # type: ignore[union-attr]


def test_oversized_prefix_is_refused_from_its_four_bytes_alone() -> None:
    """Nothing after the prefix is needed, so a peer cannot make us buffer up to the limit."""
    _, s = handshake()
    s.receive_data(struct.pack(">I", 4 * 1024 * 1024 + 1))
    with pytest.raises(RemoteProtocolError) as info:
        s.next_event()
    assert info.value.code is StatusCode.RESOURCE_EXHAUSTED
    assert "4194305" in info.value.message


def test_a_frame_at_the_limit_is_accepted_in_chunks() -> None:
    c, s = handshake(server_limits=Limits(max_message_size=70_000))
    blob = b"y" * (70_000 - 40)
    data = c.send(Call(1, Op.CALL, "m", "echo", None, [blob], {}, None, None))
    assert len(data) - 4 <= 70_000
    for i in range(0, len(data), 4096):
        s.receive_data(data[i : i + 4096])
    ev = s.next_event()
    assert isinstance(ev, Call) and ev.args[0] == blob


def _nested(depth: int) -> list[object]:
    v: list[object] = []
    for _ in range(depth - 1):
        v = [v]
    return v


@pytest.mark.parametrize("framing", [Framing.STREAM, Framing.MESSAGE])
def test_configured_depth_and_length_limits(framing: Framing) -> None:
    limits = Limits(max_depth=70, max_container_len=64)

    def server() -> Connection:
        return handshake(server_limits=limits, framing=framing)[1]

    def call_bytes(args: list[object]) -> bytes:
        payload = msgpack.packb([1, 1, 0, "m", "f", None, args, {}, None, None])
        return struct.pack(">I", len(payload)) + payload if framing is Framing.STREAM else payload

    # The message array is depth 1 and args depth 2: 68 more levels is exactly the limit.
    s = server()
    s.receive_data(call_bytes([_nested(68)]))
    assert isinstance(s.next_event(), Call)
    s = server()
    s.receive_data(call_bytes([list(range(64)), {str(i): i for i in range(64)}]))
    assert isinstance(s.next_event(), Call)
    for bad in ([_nested(69)], list(range(65)), [{str(i): i for i in range(65)}]):
        s = server()
        s.receive_data(call_bytes(bad))
        with pytest.raises(RemoteProtocolError) as info:
            s.next_event()
        assert info.value.code is StatusCode.RESOURCE_EXHAUSTED


def test_limits_have_floors_so_a_hello_always_fits() -> None:
    with pytest.raises(ValueError, match="at least 64"):
        Limits(max_container_len=5)
    assert Limits.from_wire({"max_depth": 2, "max_message_size": 10}) == Limits(
        max_depth=8, max_message_size=4096
    )
    assert Limits.from_wire("nonsense") == Limits()


def test_a_graceful_goaway_cannot_disown_running_calls() -> None:
    c, s = handshake()
    for i in (1, 2, 3):
        deliver(c, s, add(i))
    with pytest.raises(LocalProtocolError):
        s.send(GoAway(2, StatusCode.OK, "bye"))
    assert s.state is State.OPEN
    assert isinstance(deliver(s, c, GoAway(s.last_call_id, StatusCode.OK, "bye")), GoAway)
    assert c.calls_in_flight == {1, 2, 3}


def test_second_hello_during_the_handshake() -> None:
    s = Connection(SERVER)
    c = Connection(CLIENT)
    data = c.send(Hello())
    s.receive_data(data + data)
    assert isinstance(s.next_event(), Hello)
    with pytest.raises(RemoteProtocolError, match="a second HELLO") as info:
        s.next_event()
    assert info.value.code is StatusCode.FAILED_PRECONDITION


_msgpack_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.floats()
    | st.text(max_size=10)
    | st.binary(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=5), inner, max_size=5)
    ),
    max_leaves=20,
)


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=0, max_value=10), st.lists(_msgpack_values, max_size=11))
def test_random_envelopes_give_events_or_protocol_errors(kind: int, rest: list[object]) -> None:
    """Well-formed msgpack with random contents: every outcome is an event or a documented
    protocol error, in every state."""
    payload = msgpack.packb([kind, *rest])
    frame_bytes = struct.pack(">I", len(payload)) + payload
    for conn in (Connection(SERVER), *handshake()):
        conn.calls_in_flight.update(range(0, 5))
        conn.receive_data(frame_bytes)
        try:
            conn.next_event()
        except RemoteProtocolError as e:
            assert isinstance(e.code, StatusCode) and e.code is not StatusCode.OK
