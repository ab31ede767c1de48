"""The trio client on plain TCP. The read role (client/_trio_link.py): a caller reads its own
answer when nobody else reads, the reader task takes over while several wait, and either way
every waiter is woken exactly once, with its own answer, a cancellation or the connection's
loss; an idle connection is still read (a PING answered, a GOAWAY seen). Writing: a send
cancelled part way (a CALL written in part directly, or any send under the lock) never leaves
a torn frame behind: the connection is given up instead."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator

import pytest
import trio
from graftcode_runtime import CallSpec, ConnectionLost, StatusCode, connect_async
from graftcode_runtime.client._call_table import HELLO
from graftcode_runtime.client._trio import AsyncClient
from graftcode_runtime.client._trio_link import TrioLink
from graftcode_runtime.protocol import Ping, Pong
from harness import GatewayThread
from trio.testing import wait_all_tasks_blocked

from .conftest import ScriptedPeer, ScriptedServer
from .kinds import Call, Cancel, GoAway, Result

Scripted = Callable[[Callable[[ScriptedPeer, int], None]], ScriptedServer]


@pytest.fixture(scope="module")
def gateway() -> Iterator[GatewayThread]:
    with GatewayThread(["gwfixture", "streamfix"]) as gw:
        yield gw


def _next_call(peer: ScriptedPeer) -> Call:
    """The next CALL, past the CANCELs a test may or may not cause."""
    while isinstance(ev := peer.next_event(), Cancel):
        pass
    assert isinstance(ev, Call), ev
    return ev


def _echo_one(peer: ScriptedPeer) -> None:
    """Answer the next call with its argument, then wait for the client's GOAWAY."""
    call = _next_call(peer)
    peer.send(Result(call.id, call.args[0]))
    peer.next_event()


def test_callers_get_their_own_answers_while_the_read_role_moves(gateway: GatewayThread) -> None:
    async def main() -> None:
        async with connect_async(gateway.url("tcp", "gwfixture"), module="gwfixture") as c:
            link = c._link
            for i in range(20):  # one caller: it reads its answers itself
                assert await c.call("echo", f"s{i}") == f"s{i}"
            assert link.leads >= 19 and not link.reading

            results: dict[tuple[int, int], object] = {}

            async def caller(t: int) -> None:
                for i in range(10):
                    value = await (
                        c.call("delayed", t * 100 + i, 0.001) if i % 3 == 0 else
                        c.call("echo", f"{t}.{i}")
                    )  # fmt: skip
                    results[t, i] = value

            async def streamed() -> None:
                spec = CallSpec("call", "streamfix", "count", (300,), {})
                async with connect_async(gateway.url("tcp", "streamfix"), module="streamfix") as s:
                    assert [i async for i in s.stream(spec)] == list(range(300))

            async with trio.open_nursery() as nursery:
                nursery.start_soon(streamed)
                for t in range(60):
                    nursery.start_soon(caller, t)
            assert results == {
                (t, i): t * 100 + i if i % 3 == 0 else f"{t}.{i}"
                for t in range(60)
                for i in range(10)
            }
            leads = link.leads
            assert await c.call("echo", "after") == "after"  # alone again: it reads itself
            assert link.leads == leads + 1

    trio.run(main)


def test_a_stream_and_plain_calls_on_one_connection(gateway: GatewayThread) -> None:
    """A stream waiting for items makes the reader task read; plain calls meanwhile park."""

    async def main() -> None:
        async with connect_async(gateway.url("tcp", "streamfix"), module="streamfix") as c:
            spec = CallSpec("call", "streamfix", "count", (200,), {})
            got: list[int] = []
            async with c.stream(spec) as items:
                async for i in items:
                    got.append(i)
                    if i % 50 == 0:
                        assert await c.call("total", [i, 1]) == i + 1
            assert got == list(range(200))
            assert await c.call("total", [2]) == 2
            assert not c._link.reading

    trio.run(main)


@pytest.mark.parametrize("when", ["before", "as"])
def test_a_caller_cancelled_before_or_as_its_answer_arrives(scripted: Scripted, when: str) -> None:
    """ "a" reads the socket itself, "b" parks. Before: "b" is cancelled (a CANCEL goes out),
    its late answer is dropped and "a" gets its own. As: both answers come in one write and
    "a" cancels "b" as soon as its own call returns, whether or not the answer of "b" was
    routed yet: "b" gets it or is cancelled, nothing is woken twice. Either way the
    connection carries on."""

    def script(peer: ScriptedPeer, n: int) -> None:
        peer.handshake()
        a, b = _next_call(peer), _next_call(peer)
        if when == "before":
            cancel = peer.next_event()
            assert isinstance(cancel, Cancel) and cancel.id == b.id
            peer.send(Result(b.id, "late"))
            peer.send(Result(a.id, "a"))
        else:
            peer.sock.sendall(peer.conn.send(Result(a.id, "a")) + peer.conn.send(Result(b.id, "b")))
        _echo_one(peer)

    server = scripted(script)

    async def main() -> None:
        async with connect_async(server.url, module="gwfixture") as c:
            results: dict[str, object] = {}
            b_scope = trio.CancelScope()

            async def first() -> None:
                results["a"] = await c.call("echo", "a")
                if when == "as":
                    b_scope.cancel()  # no checkpoint between the answer and this

            async def second() -> None:
                with b_scope:
                    results["b"] = await c.call("echo", "b")

            async with trio.open_nursery() as nursery:
                nursery.start_soon(first)
                await wait_all_tasks_blocked()
                assert c._link.leading  # "a" reads the socket itself
                nursery.start_soon(second)
                if when == "before":
                    await wait_all_tasks_blocked()
                    b_scope.cancel()
            if when == "before":
                assert results == {"a": "a"} and b_scope.cancelled_caught
            else:
                assert results["a"] == "a" and results.get("b", "b") == "b"
            assert await c.call("echo", "c") == "c"

    trio.run(main)
    assert not server.errors


def test_losing_the_connection_wakes_every_caller(scripted: Scripted) -> None:
    """The gateway's end reaches the caller reading the socket and every parked one: each
    gets ConnectionLost (UNAVAILABLE); the next call opens a new connection."""

    def script(peer: ScriptedPeer, n: int) -> None:
        peer.handshake()
        if n == 0:
            for _ in range(5):
                _next_call(peer)
            peer.sock.shutdown(socket.SHUT_RDWR)
            return
        _echo_one(peer)

    server = scripted(script)

    async def main() -> None:
        async with connect_async(server.url, module="gwfixture") as c:
            errors: list[BaseException] = []

            async def call(i: int) -> None:
                try:
                    await c.call("echo", str(i))
                except ConnectionLost as e:
                    errors.append(e)

            async with trio.open_nursery() as nursery:
                for i in range(5):
                    nursery.start_soon(call, i)
            assert len(errors) == 5
            assert {e.code for e in errors} == {StatusCode.UNAVAILABLE}  # type: ignore[attr-defined]
            assert await c.call("echo", "again") == "again"

    trio.run(main)
    assert server.connections == 2 and not server.errors


def test_an_idle_connection_is_still_read(scripted: Scripted) -> None:
    """With no call waiting, nobody reads the socket for a moment; then the reader task
    does: the gateway's PING is answered and its GOAWAY seen without a call."""

    def script(peer: ScriptedPeer, n: int) -> None:
        peer.handshake()
        if n == 0:
            call = _next_call(peer)
            peer.send(Result(call.id, call.args[0]))
            peer.send(Ping(7))
            pong = peer.next_event()
            assert isinstance(pong, Pong) and pong.opaque == 7
            peer.send(GoAway(call.id, StatusCode.OK, "bye"))
            return
        _echo_one(peer)

    server = scripted(script)

    async def main() -> None:
        async with connect_async(server.url, module="gwfixture") as c:
            assert await c.call("echo", "a") == "a"
            with trio.fail_after(30):
                while c.connected:
                    await trio.sleep(0.01)
            assert c.goaway is not None
            assert await c.call("echo", "b") == "b"

    trio.run(main)
    assert server.connections == 2 and not server.errors


def test_a_call_cancelled_while_its_frame_is_half_written(gateway: GatewayThread) -> None:
    """A large CALL the socket takes only in part, from a task cancelled before the rest went
    out: the torn frame would leave the gateway reading garbage, so the connection is given
    up (its callers get ConnectionLost) and the next call opens a new one."""

    async def main() -> None:
        async with connect_async(gateway.url("tcp", "gwfixture"), module="gwfixture") as c:
            assert await c.call("echo", "x") == "x"
            first = c._link
            with trio.CancelScope() as scope:
                scope.cancel()
                await c.call("echo_bytes", b"z" * (3 * 1024 * 1024))
            assert scope.cancelled_caught
            with trio.fail_after(30):  # (a hang guard, not a timing assertion)
                assert await c.call("echo", "y") == "y"
            assert c._link is not first

    trio.run(main)


class _StuckWire:
    """A wire whose sends stop part way (a peer that stopped reading)."""

    message_mode = False
    peer = "stuck"

    def __init__(self) -> None:
        self.started = False

    async def send(self, data: bytes) -> None:
        self.started = True
        await trio.sleep_forever()

    async def receive(self) -> bytes | None:
        await trio.sleep_forever()
        return None

    async def aclose(self) -> None:
        pass


async def _never() -> _StuckWire:
    raise AssertionError("no connection is opened here")


@pytest.mark.parametrize("when", ["before", "during"])
def test_a_send_cancelled_part_way_fails_the_connection(when: str) -> None:
    """Under the send lock too: a send cancelled once it began may have cut a frame, so the
    connection is failed (its waiters get ConnectionLost); one cancelled before any byte
    went out leaves the connection as it was."""

    async def main() -> None:
        wire = _StuckWire()
        async with trio.open_nursery() as nursery:
            client = AsyncClient(_never, nursery, module="gwfixture")
            link = TrioLink(client._new_table(False), wire)
            link.table.start_handshake()  # something waits on the connection
            scope = trio.CancelScope()
            if when == "before":
                scope.cancel()

            async def send() -> None:
                with scope:
                    await client._send(link, b"frame")

            nursery.start_soon(send)
            await wait_all_tasks_blocked()
            scope.cancel()
        if when == "before":
            assert not wire.started and link.table.lost is None
        else:
            assert wire.started and isinstance(link.table.lost, ConnectionLost)
            assert isinstance(link.table.answers[HELLO], ConnectionLost)

    trio.run(main)


def test_a_call_cancelled_as_it_gets_the_send_lock_is_forgotten(gateway: GatewayThread) -> None:
    """A call that waited for the send lock and is cancelled before its CALL goes out is not
    left waiting in the table (nothing would ever answer it, and a waiter without an answer
    keeps the reader task reading for good): the next lone caller reads for itself again."""

    async def main() -> None:
        async with connect_async(gateway.url("tcp", "gwfixture"), module="gwfixture") as c:
            assert await c.call("echo", "a") == "a"
            link = c._link
            scope = trio.CancelScope()

            async def cancelled() -> None:
                with scope:
                    await c.call("echo", "never")

            async with trio.open_nursery() as nursery:
                await link.send_lock.acquire()
                nursery.start_soon(cancelled)
                await wait_all_tasks_blocked()  # it waits for the lock
                link.send_lock.release()  # the lock is its own now; it has not run yet
                scope.cancel()
            assert scope.cancelled_caught and not link.table.waiting
            leads = link.leads
            assert await c.call("echo", "b") == "b"
            assert link.leads == leads + 1 and c._link is link

    trio.run(main)
