"""Large messages on the threaded engine and the blocking client: the engine's read of a burst
(its own buffer first, then fresh bytes of up to BURST_SIZE, never more than RECEIVE_LIMIT per
event, and "stopped at the limit" reported so the session re-arms), the client's one read of a
64 KiB payload's frame, and payloads larger than the limit going both ways intact."""

from __future__ import annotations

import os
import select
import socket
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from graftcode_runtime import connect
from graftcode_runtime.gateway import GatewayConfig
from graftcode_runtime.gateway._thread_driver import RECEIVE_LIMIT
from graftcode_runtime.gateway._thread_engine import RECV_SIZE, ThreadedEngine
from graftcode_runtime.transport._blocking import SocketTransport

GATEWAY_TESTS = Path(__file__).resolve().parents[1] / "gateway"
if str(GATEWAY_TESTS) not in sys.path:
    sys.path.insert(0, str(GATEWAY_TESTS))

from harness import GatewayThread  # noqa: E402


def _receive(sock: socket.socket, ended: bool = False) -> tuple[list[bytes], bool, bool]:
    # the engine's read needs nothing of the engine but its per-thread buffer
    engine = SimpleNamespace(_local=threading.local())
    return ThreadedEngine.receive(engine, sock, ended)  # type: ignore[arg-type]


@pytest.fixture
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    a, b = socket.socketpair()
    try:
        yield a, b
    finally:
        a.close()
        b.close()


def test_a_small_message_is_one_chunk_and_an_empty_socket_nothing(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    a, b = pair
    assert _receive(b) == ([], False, False)
    a.sendall(b"hello")
    assert _receive(b) == ([b"hello"], False, False)


def test_a_burst_is_read_in_large_pieces_within_the_limit(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    a, b = pair
    data = os.urandom(3 * RECEIVE_LIMIT + 12345)
    writer = threading.Thread(target=a.sendall, args=(data,))
    writer.start()
    got: list[bytes] = []
    while sum(map(len, got)) < len(data):
        select.select([b], [], [], 10)
        chunks, eof, full = _receive(b)
        assert not eof
        size = sum(map(len, chunks))
        assert size <= RECEIVE_LIMIT
        assert full == (size == RECEIVE_LIMIT)  # stopped at the limit: the session re-arms
        assert all(len(c) <= max(RECV_SIZE, RECEIVE_LIMIT) for c in chunks)
        got += chunks
    writer.join()
    assert b"".join(got) == data
    assert _receive(b) == ([], False, False)


class _Socket:
    """A socket whose reads return at most `piece` bytes of `data`, then EAGAIN."""

    def __init__(self, data: bytes, piece: int) -> None:
        self.data, self.piece, self.reads = data, piece, 0

    def _next(self, n: int) -> bytes:
        if not self.data:
            raise BlockingIOError
        self.reads += 1
        out, self.data = self.data[: min(n, self.piece)], self.data[min(n, self.piece) :]
        return out

    def recv_into(self, buf: bytearray, n: int, flags: int) -> int:
        out = self._next(n)
        buf[: len(out)] = out
        return len(out)

    def recv(self, n: int, flags: int) -> bytes:
        return self._next(n)


@pytest.mark.parametrize("piece", [RECV_SIZE, 100_000, RECEIVE_LIMIT])
def test_a_burst_stops_at_the_limit_exactly_and_says_so(piece: int) -> None:
    data = os.urandom(RECEIVE_LIMIT + 100)
    sock = _Socket(data, piece)
    chunks, eof, full = _receive(sock)  # type: ignore[arg-type]
    assert b"".join(chunks) == data[:RECEIVE_LIMIT] and full and not eof
    assert _receive(sock) == ([data[RECEIVE_LIMIT:]], False, False)  # type: ignore[arg-type]


def test_a_burst_reads_on_while_pieces_are_large_and_stops_at_a_small_one() -> None:
    sock = _Socket(os.urandom(5 * RECV_SIZE), RECV_SIZE + 1)  # the sender still writing
    chunks, eof, full = _receive(sock)  # type: ignore[arg-type]
    assert sum(map(len, chunks)) == 5 * RECV_SIZE and not eof and not full
    small = _Socket(os.urandom(2 * RECV_SIZE), RECV_SIZE - 1)
    chunks, _, _ = _receive(small)  # type: ignore[arg-type]
    assert len(chunks) == 1  # a short first read: a small message, nothing more is read


def test_the_peer_s_end_is_read_up_to_when_the_event_reports_it(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    a, b = pair
    data = os.urandom(RECV_SIZE + 100)
    a.sendall(data)
    a.shutdown(socket.SHUT_WR)
    select.select([b], [], [], 10)
    chunks, eof, full = _receive(b, ended=True)
    assert b"".join(chunks) == data and eof and not full


def test_the_client_transport_reads_a_64_kib_payload_and_its_envelope_at_once(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    a, b = pair
    data = os.urandom(65536 + 100)  # a 64 KiB payload's frame: one read, nothing to join
    a.sendall(data)
    assert SocketTransport(b).recv(10) == data


@pytest.fixture(scope="module")
def gw() -> Iterator[GatewayThread]:
    with GatewayThread(["gwfixture"], GatewayConfig(grace_period=1, max_workers=2)) as g:
        yield g


@pytest.mark.parametrize("size", [RECV_SIZE - 20, RECV_SIZE, 1 << 20, RECEIVE_LIMIT + 4096])
def test_large_payloads_go_both_ways_intact(gw: GatewayThread, size: int) -> None:
    data = os.urandom(size)
    with connect(gw.url("tcp")) as c:
        for _ in range(3):  # the same connection again: nothing left over between messages
            assert c.call("echo_bytes", data) == data
