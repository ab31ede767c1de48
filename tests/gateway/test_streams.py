"""Server streaming (docs/protocol.md 5.5) through every gateway path: the threaded TCP engine,
trio TCP, WebSocket and in memory run the same test bodies with the blocking client."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator

import pytest
import streamfix
from graftcode_runtime import CallSpec, Client, connect
from graftcode_runtime.gateway import GatewayConfig
from graftcode_runtime.protocol import DeadlineExceeded, RemoteError, StatusCode
from graftcode_runtime.testing import inmemory_gateway_config
from harness import GatewayThread

PATHS = ("tcp", "tcp-trio", "ws", "inmemory")
_CLOSE_WAIT = 10.0  # seconds a finally may take to be observed; never reached when it works


@pytest.fixture(scope="module")
def gateways() -> Iterator[dict[str, GatewayThread]]:
    config = GatewayConfig(grace_period=1.0, max_streams=4)
    threads = GatewayThread(["streamfix"], config)
    trio_tcp = GatewayThread(
        ["streamfix"], GatewayConfig(grace_period=1.0, max_streams=4, tcp_engine="trio")
    )
    with inmemory_gateway_config(config), threads, trio_tcp:
        yield {"threads": threads, "trio": trio_tcp}


@pytest.fixture(params=PATHS)
def client(request: pytest.FixtureRequest, gateways: dict[str, GatewayThread]) -> Iterator[Client]:
    path = str(request.param)
    gw = gateways["trio" if path == "tcp-trio" else "threads"]
    url = gw.url("tcp" if path == "tcp-trio" else path, "streamfix")
    with connect(url, module="streamfix") as c:
        yield c


def _stream(client: Client, member: str, *args: object, timeout: float | None = None) -> Iterator:
    return client.stream(CallSpec("call", "streamfix", member, list(args), {}), timeout=timeout)


def _key() -> str:
    return uuid.uuid4().hex


def test_ten_thousand_items_arrive_in_order(client: Client) -> None:
    assert list(_stream(client, "count", 10_000)) == list(range(10_000))


def test_async_generators_stream_too(client: Client) -> None:
    assert list(_stream(client, "acount", 300)) == list(range(300))


def test_records_plain_iterables_and_instance_methods_stream(client: Client) -> None:
    assert list(_stream(client, "rows", 2)) == [
        {"seq": 0, "text": "row"},
        {"seq": 1, "text": "row"},
    ]
    assert list(_stream(client, "listed", 3)) == ["0", "1", "2"]
    feed = client.invoke(CallSpec("new", "Feed", "", ["f"], {}))
    spec = CallSpec("call", "Feed", "lines", [2], {}, client.instance_id(feed))
    assert list(client.stream(spec)) == ["f-0", "f-1"]


def test_a_declared_error_after_three_items_arrives_typed_after_them(client: Client) -> None:
    got: list[int] = []
    with pytest.raises(RemoteError) as info:
        for item in _stream(client, "fail_after", 3):
            got.append(item)
    assert got == [0, 1, 2]
    assert info.value.type_name == "Boom" and info.value.fields == {"after": 3}


@pytest.mark.parametrize("member", ["tracked", "atracked"])
def test_closing_after_three_items_closes_the_generator(client: Client, member: str) -> None:
    key = _key()
    stream = _stream(client, member, key)
    assert [next(stream) for _ in range(3)] == [0, 1, 2]
    stream.close()  # type: ignore[attr-defined]
    assert streamfix.closed[key].wait(_CLOSE_WAIT), "the generator's finally did not run"
    assert client.invoke(CallSpec("call", "streamfix", "total", [[1, 2]], {})) == 3


def test_breaking_out_of_a_for_loop_cancels(client: Client) -> None:
    key = _key()
    for item in _stream(client, "tracked", key):
        if item == 2:
            break
    assert streamfix.closed[key].wait(_CLOSE_WAIT)


def test_a_disconnect_mid_stream_closes_the_generator(client: Client) -> None:
    key = _key()
    stream = _stream(client, "tracked", key)
    assert next(stream) == 0
    client.close()
    assert streamfix.closed[key].wait(_CLOSE_WAIT)


def test_a_deadline_that_expires_mid_stream(client: Client) -> None:
    key = _key()
    got: list[int] = []
    with pytest.raises(DeadlineExceeded):
        for item in _stream(client, "ticking", key, 0.05, timeout=0.5):
            got.append(item)
    assert got[:2] == [0, 1]  # the items before the deadline arrived
    assert streamfix.closed[key].wait(_CLOSE_WAIT)


def test_a_slow_consumer_pauses_the_producer(client: Client) -> None:
    """Flow control: however long the consumer dawdles, the producer is at most the client's
    window (64 items) plus what is being written ahead of what was consumed."""
    key = _key()
    stream = _stream(client, "tracked", key)
    for consumed in range(1, 6):
        next(stream)
        time.sleep(0.1)  # a producer without flow control would be millions ahead by now
        assert streamfix.produced[key] - consumed <= 64 + 2
    stream.close()  # type: ignore[attr-defined]
    assert streamfix.closed[key].wait(_CLOSE_WAIT)


def test_calling_a_stream_as_a_unary_call_is_refused(client: Client) -> None:
    with pytest.raises(RemoteError) as info:
        client.invoke(CallSpec("call", "streamfix", "count", [3], {}))
    assert info.value.code is StatusCode.FAILED_PRECONDITION
    with pytest.raises(RemoteError) as info:
        list(_stream(client, "total", [1]))
    assert info.value.code is StatusCode.FAILED_PRECONDITION


def test_open_streams_are_limited_per_connection(client: Client) -> None:
    keys = [_key() for _ in range(4)]
    open_ = [_stream(client, "tracked", k) for k in keys]
    for s in open_:
        next(s)
    with pytest.raises(RemoteError) as info:
        next(_stream(client, "tracked", _key()))
    assert info.value.code is StatusCode.RESOURCE_EXHAUSTED
    for s in open_:
        s.close()  # type: ignore[attr-defined]
    for k in keys:
        assert streamfix.closed[k].wait(_CLOSE_WAIT)
    assert list(_stream(client, "count", 2)) == [0, 1]  # the slots are free again


def test_streams_from_many_threads_share_one_connection(client: Client) -> None:
    results: dict[int, list[int]] = {}

    def consume(i: int) -> None:
        results[i] = list(_stream(client, "count", 500 + i))

    threads = [threading.Thread(target=consume, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {i: list(range(500 + i)) for i in range(3)}


# ------------------------------------------------------------------ client and bidirectional


def test_a_client_stream_of_ten_thousand_chunks(client: Client) -> None:
    spec = CallSpec("call", "streamfix", "upload", ["a.bin", None], {})
    assert client.invoke(spec, source=(b"xy" for _ in range(10_000))) == 20_000


def test_a_client_stream_into_an_async_member(client: Client) -> None:
    spec = CallSpec("call", "streamfix", "asum", [None], {})
    assert client.invoke(spec, source=range(1000)) == sum(range(1000))


def test_a_bidirectional_stream(client: Client) -> None:
    spec = CallSpec("call", "streamfix", "doubled", [None], {})
    assert list(client.stream(spec, source=range(5000))) == [2 * i for i in range(5000)]


def test_an_answer_before_the_end_of_the_client_stream_stops_the_sender(client: Client) -> None:
    key = _key()
    sent: list[int] = []

    def endless() -> Iterator[int]:
        i = 0
        while True:
            sent.append(i)
            yield i
            i += 1

    spec = CallSpec("call", "streamfix", "first", [None, key], {})
    assert client.invoke(spec, source=endless()) == 0
    assert streamfix.closed[key].is_set()
    assert len(sent) <= 64  # credit bounds what the caller sends ahead (stream_window 16)


def test_an_invalid_client_stream_item_is_invalid_argument(client: Client) -> None:
    spec = CallSpec("call", "streamfix", "upload", ["a", None], {})
    with pytest.raises(RemoteError) as info:
        client.invoke(spec, source=[b"ok", "not bytes"])
    assert info.value.code is StatusCode.INVALID_ARGUMENT and "stream item" in info.value.message


def test_a_failing_caller_iterable_fails_the_call(client: Client) -> None:
    def broken() -> Iterator[bytes]:
        yield b"x"
        raise ValueError("the caller's data source broke")

    spec = CallSpec("call", "streamfix", "upload", ["a", None], {})
    with pytest.raises(ValueError):
        client.invoke(spec, source=broken())
    assert list(_stream(client, "count", 2)) == [0, 1]  # the connection goes on


def test_the_dynamic_client_calls_streams_by_name(client: Client) -> None:
    assert list(client.call_stream("count", 3)) == [0, 1, 2]
    assert client.call("upload", "a", None, _source=[b"ab", b"c"]) == 3
    assert list(client.call_stream("doubled", None, _source=[1, 2])) == [2, 4]
