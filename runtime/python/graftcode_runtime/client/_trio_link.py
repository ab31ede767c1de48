"""One connection of the trio client: who waits for what, and who reads the socket.

Waiting: a plain call's task parks (`park`) and whoever routes its answer reschedules it
(`wake`), with no Event per call; tasks that may share a key (a call with a stream parameter
and its pump, a stream's items) wait on one `shared_event`.

Reading: on TLS and WebSocket the connection's reader task reads everything. On plain TCP the
read role moves. While calls wait for answers not yet read, the reader task holds it; once
every waiter's answer is in, it lets go (`reading` False), and the next call's own task reads
the socket until its answer is in (`AsyncClient._lead`): one task and one scheduler pass per
sequential call instead of a hop through the reader. The reader task meanwhile sleeps
(`idle`); it takes the role back when a waiter hands it over (`hand_over`: other callers
still wait when the leading caller's answer came, a stream waits, the connection was lost), or
when no caller read the socket for `IDLE` seconds, so that a PING, a GOAWAY or the gateway's end
is seen on an idle connection as before, within at most twice that delay.
"""

from __future__ import annotations

import os

import trio
from trio.lowlevel import (
    Abort,
    Task,
    current_task,
    reschedule,
    wait_readable,
    wait_task_rescheduled,
)

from ..transport._trio import RECEIVE_SIZE, StreamWire, Wire
from ._base import Link
from ._call_table import CallTable

_GONE = (trio.BrokenResourceError, trio.ClosedResourceError)
# How long a plain TCP socket may go unread between callers before the reader task reads it.
IDLE = 0.01


class TrioLink(Link):
    __slots__ = (
        "fd",
        "idle_reader",
        "leading",
        "leads",
        "reading",
        "send_lock",
        "sock",
        "waiters",
        "wire",
    )

    def __init__(self, table: CallTable, wire: Wire) -> None:
        super().__init__(table)
        self.wire = wire
        # key -> who waits for what the table routes to it: a parked task or a shared Event
        self.waiters: dict[int, trio.Event | Task] = {}
        self.send_lock = trio.Lock()  # call ids must reach the gateway in increasing order
        # a plain TCP connection's socket, else None: then a CALL may be written straight to
        # its descriptor `fd` (else -1), it is read with os.read once trio says it is
        # readable, and callers may read it
        self.sock = _plain_socket(wire)
        self.fd = -1 if self.sock is None else self.sock.fileno()
        self.reading = True  # the reader task holds the read role
        self.leading = False  # a caller's task holds it
        self.idle_reader: Task | None = None  # the reader task, while it sleeps in `idle`
        self.leads = 0  # how many times a caller held the read role (the reader's idle clock)


def _plain_socket(wire: Wire) -> trio.socket.SocketType | None:
    """The socket of a plain TCP connection (never TLS or WebSocket, which frame bytes
    themselves)."""
    stream = getattr(wire, "stream", None)
    if type(wire) is not StreamWire or type(stream) is not trio.SocketStream:
        return None
    return stream.socket


def may_lead(link: TrioLink) -> bool:
    """Nobody reads this plain TCP socket now: the caller may read its answer itself."""
    return not link.reading and not link.leading and link.sock is not None


def answers_pending(table: CallTable, own: int | None = None) -> bool:
    """Some waiter (other than `own`) waits for an answer or items not read yet."""
    pending = len(table.waiting) - len(table.answers)
    if own is not None and own in table.waiting and own not in table.answers:
        pending -= 1
    return pending > 0


def hand_over(link: TrioLink) -> None:
    """Make sure somebody reads: the reader task takes the role unless a caller holds it
    (that caller hands it over when its own answer is in)."""
    if link.reading or link.leading:
        return
    link.reading = True
    task = link.idle_reader
    if task is not None:
        link.idle_reader = None
        reschedule(task)


def wake(link: TrioLink, keys: list[int]) -> None:
    """Wake whoever waits for `keys`; once the connection is lost, the reader task too (it
    closes the socket)."""
    waiters = link.waiters
    for key in keys:
        waiter = waiters.pop(key, None)
        if waiter is None:
            continue
        if type(waiter) is trio.Event:
            waiter.set()
        else:
            reschedule(waiter)
    if link.table.lost is not None:
        hand_over(link)


async def park(link: TrioLink, key: int) -> None:
    """Sleep until `wake` reschedules this task for `key`, or the task is cancelled (its
    waiter is then removed, so nobody reschedules a task that no longer waits)."""
    task = current_task()
    link.waiters[key] = task

    def abort(_: object) -> Abort:
        if link.waiters.get(key) is task:
            del link.waiters[key]
        return Abort.SUCCEEDED

    await wait_task_rescheduled(abort)


def shared_event(link: TrioLink, key: int) -> trio.Event:
    """The Event the tasks waiting on `key` share; somebody is made to read for them."""
    waiter = link.waiters.get(key)
    if type(waiter) is not trio.Event:
        waiter = link.waiters[key] = trio.Event()
    hand_over(link)
    return waiter


async def idle(link: TrioLink) -> None:
    """The reader task's sleep while callers read for themselves: until `hand_over` wakes it,
    or until no caller read for `IDLE` seconds (then it takes the role back)."""
    task = current_task()

    def abort(_: object) -> Abort:
        if link.idle_reader is task:
            link.idle_reader = None
        return Abort.SUCCEEDED

    while not link.reading and link.table.lost is None:
        seen = link.leads
        link.idle_reader = task
        with trio.move_on_after(IDLE):
            await wait_task_rescheduled(abort)
        link.idle_reader = None
        if not link.leading and link.leads == seen:  # (or handed over meanwhile: the same)
            link.reading = True


async def read_socket(table: CallTable, sock: trio.socket.SocketType) -> list[int]:
    """Wait until the plain TCP socket is readable, then route everything it holds: one park
    and as many reads as it takes, never a read that finds nothing (trio's receive_some tries
    one first, failing with EAGAIN, then parks, then reads again). Waiting on the socket, not
    on its number: once closed (aclose, a failed send, a replaced connection) its number may
    already be another connection's."""
    if sock.fileno() < 0:
        return table.receive(b"")
    try:
        await wait_readable(sock)
    except (*_GONE, OSError, ValueError):  # closed under it
        return table.receive(b"")
    fd = sock.fileno()  # (no checkpoint since the wait: still this connection's)
    if fd < 0:
        return table.receive(b"")
    answered: list[int] = []
    while True:
        try:
            data = os.read(fd, RECEIVE_SIZE)
        except BlockingIOError:
            return answered
        except OSError:  # reset: the connection's end
            data = b""
        answered += table.receive(data)
        if len(data) < RECEIVE_SIZE:
            return answered
