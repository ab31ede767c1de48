"""Deadlines at the driver level: connecting counts against the call that needs the connection,
and a CANCELLED answer seen after the call's deadline is reported as DeadlineExceeded.

Before the client redesign, a blocking client connected when it was created and a generated
channel on its first call, both within `connect_timeout` whatever the call's own timeout; the
clients never reconnected; and the trio client raised Cancelled for a CANCELLED answer it took
after its deadline (only the blocking client turned that into DeadlineExceeded)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import graft_calculator
import pytest
import trio
from graft_calculator import CalculatorClient
from graftcode_runtime import DeadlineExceeded, StatusCode, connect

from .conftest import Restartable, ScriptedPeer, ScriptedServer, SilentServer
from .kinds import KINDS, TRANSPORTS, Call, Cancel, Error, Result, bounded, open_client

# Far longer than any test may take: a call that waited for it would fail the test.
CONNECT_TIMEOUT = 30.0
# How long a call with a 0.2 s timeout may take to fail here, however loaded the machine: well
# under CONNECT_TIMEOUT, so what it shows is which limit applied, not how fast the client is.
PROMPT = 5.0


def silent_url(server: SilentServer, transport: str) -> str:
    return f"{transport}://127.0.0.1:{server.port}" + ("/" if transport == "ws" else "")


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("kind", ["sync", "sync-generated"])
def test_connecting_counts_against_the_first_calls_deadline(
    silent_server: SilentServer, kind: str, transport: str
) -> None:
    """A blocking client that has not connected yet, against a server that never answers (no
    HELLO, no WebSocket upgrade): its first call fails at its own deadline."""
    url = silent_url(silent_server, transport)
    opened: list[Any] = []

    def first_call() -> object:
        if kind == "sync":
            client = connect(url, module="calculator", lazy=True, connect_timeout=CONNECT_TIMEOUT)
            opened.append(client)
            return client.call("add", 1, 2, _timeout=0.2)
        channel = graft_calculator.connect(url, connect_timeout=CONNECT_TIMEOUT)
        opened.append(channel)
        return CalculatorClient(channel).with_options(timeout=0.2).add(1, 2)

    try:
        elapsed, outcome = bounded(first_call, PROMPT)
    finally:
        for c in opened:
            c.close()
    assert isinstance(outcome, DeadlineExceeded), outcome
    assert elapsed < PROMPT
    assert silent_server.accepted  # it did connect: the HELLO or the upgrade got no answer


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("kind", KINDS)
def test_reconnecting_counts_against_the_calls_deadline(
    restartable: Restartable, kind: str, transport: str
) -> None:
    """After its gateway is gone, a client's next call reconnects within its own deadline: the
    port now belongs to a server that accepts and never answers. (For the trio clients this is
    the only way a call can wait for a connection: `connect_async` connects on entering its
    context, within `connect_timeout`.)"""
    port = restartable.ports[0 if transport == "tcp" else 1]

    async def main() -> None:
        async with open_client(
            kind, restartable.url(transport), connect_timeout=CONNECT_TIMEOUT
        ) as api:
            assert await api.add(1, 2) == 3
            await trio.to_thread.run_sync(restartable.stop)
            silent = SilentServer(port)
            try:
                start = time.monotonic()
                with trio.move_on_after(PROMPT):  # only for the trio kinds: sync ones block
                    with pytest.raises(DeadlineExceeded):
                        await api.add(2, 3, timeout=0.2)
                assert time.monotonic() - start < PROMPT
                assert silent.accepted
            finally:
                silent.close()

    trio.run(main)


def test_trio_reports_a_cancelled_answer_taken_after_its_deadline_as_deadline_exceeded(
    scripted: Callable[..., ScriptedServer],
) -> None:
    """The gateway answers CANCELLED before the call's deadline, but the trio loop is busy (a
    task that blocks it, here for longer than the call's timeout) and the caller only takes the
    answer after its deadline: DeadlineExceeded, as the blocking client reports it
    (docs/protocol.md 5.2). The loop is held busy exactly when the caller is woken."""
    sent: list[bool] = []  # set by the server thread as it answers

    def script(peer: ScriptedPeer, n: int) -> None:
        peer.handshake()
        call = peer.next_event()
        assert isinstance(call, Call)
        sent.append(True)  # before: the client may read the answer before this thread resumes
        peer.send(Error(call.id, StatusCode.CANCELLED, "cancelled"))
        peer.next_event()  # the client's GOAWAY, or the end of the connection

    server = scripted(script)

    class BusyWhenWoken(trio.abc.Instrument):
        """Blocks the loop for `seconds` the first time `task` is scheduled once the server is
        answering: the caller wakes, but only runs after its deadline. (If that is the wake-up
        after sending the CALL rather than the one for the answer, the caller still takes the
        answer after its deadline, or gives up at it: DeadlineExceeded either way.)"""

        def __init__(self, task: trio.lowlevel.Task, seconds: float) -> None:
            self.task, self.seconds, self.done = task, seconds, False

        def task_scheduled(self, task: trio.lowlevel.Task) -> None:
            if task is self.task and sent and not self.done:
                self.done = True
                time.sleep(self.seconds)

    async def main() -> None:
        async with open_client("trio", server.url, module="gwfixture") as api:
            busy = BusyWhenWoken(trio.lowlevel.current_task(), 0.3)
            trio.lowlevel.add_instrument(busy)
            try:
                with pytest.raises(DeadlineExceeded):
                    await api.call("echo", value="x", _timeout=0.2)
            finally:
                trio.lowlevel.remove_instrument(busy)
            assert busy.done

    trio.run(main)
    assert not server.errors


@pytest.mark.parametrize("kind", ["sync", "trio"])
def test_a_cancelled_answer_after_the_deadline_is_deadline_exceeded(
    scripted: Callable[..., ScriptedServer], kind: str
) -> None:
    """The gateway answers only after the call's deadline, with CANCELLED for the client's
    CANCEL: DeadlineExceeded, and the late answer does not disturb the next call."""

    def script(peer: ScriptedPeer, n: int) -> None:
        peer.handshake()
        call = peer.next_event()
        assert isinstance(call, Call)
        cancel = peer.next_event()  # the client gave up at its deadline
        assert isinstance(cancel, Cancel) and cancel.id == call.id
        peer.send(Error(call.id, StatusCode.CANCELLED, "cancelled"))
        call = peer.next_event()
        assert isinstance(call, Call)
        peer.send(Result(call.id, call.kwargs["value"]))
        peer.next_event()  # the client's GOAWAY, or the end of the connection

    server = scripted(script)

    async def main() -> None:
        async with open_client(kind, server.url, module="gwfixture") as api:
            start = time.monotonic()
            with pytest.raises(DeadlineExceeded):
                await api.call("echo", value="late", _timeout=0.2)
            assert time.monotonic() - start < PROMPT
            assert await api.call("echo", value="next") == "next"

    trio.run(main)
    assert not server.errors
