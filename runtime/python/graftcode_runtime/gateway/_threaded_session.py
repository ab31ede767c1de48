"""One TCP connection served by the threaded engine (`_threaded.py`): the same protocol and the
same answers as the trio `Session`, with no thread hop between reading a call and answering it.

The pool thread that reads a call runs a synchronous member itself and writes the answer
directly. Async members go to the asyncio bridge's loop, whose done-callback writes the answer.
Cancel, deadlines and shutdown answer at once (CANCELLED / DEADLINE_EXCEEDED) and abandon the
running function, as the trio session does with `abandon_on_cancel`. Whoever first removes a
call from `calls` answers it; later answers are dropped.

Locks: `core` guards the sans-IO `Connection` and the instance table (held only to parse or
encode, never across I/O or user code); writes are combined: a thread that finds another one
writing leaves its bytes in the outbox for that thread to send with its own.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
from collections.abc import Callable
from types import CoroutineType
from typing import TYPE_CHECKING, Any, cast

from .. import context
from ..protocol._connection import SERVER, Connection, State
from ..protocol._errors import LocalProtocolError, RemoteError, RemoteProtocolError, StatusCode
from ..protocol._events import (
    NEED_DATA,
    Call,
    Cancel,
    ConnectionClosed,
    Error,
    GoAway,
    Hello,
    Ping,
    Pong,
    Result,
)
from ..protocol._limits import Limits
from ._dispatch import Dispatcher
from ._log import event
from ._session import Session
from ._sync_dispatch import LockedInstances, SyncCall, prepare
from ._timers import Timer

if TYPE_CHECKING:
    from ._threaded import ThreadedEngine

RECV_SIZE = 64 * 1024  # larger reads cost page faults per call here (docs/performance.md)
_MSG_DONTWAIT = socket.MSG_DONTWAIT


class Slot:
    """A call in flight: its timer (deadline) and, for async members, its asyncio task."""

    __slots__ = ("call", "done", "request", "task", "timer")

    def __init__(self, call: Call) -> None:
        self.call = call
        self.done = False
        self.request: context.RequestContext | None = None
        self.timer: Timer | None = None
        self.task: asyncio.Task[Any] | None = None


Job = tuple[Slot, SyncCall]


class ThreadedSession:
    def __init__(
        self,
        engine: ThreadedEngine,
        sock: socket.socket,
        peer: str,
        on_closed: Callable[[], None],
    ) -> None:
        self.engine = engine
        self.gateway = engine.gateway
        self.sock = sock
        self.fd = sock.fileno()
        self.peer = peer
        self.transport = "tcp"
        cfg = self.gateway.config
        self.limits = Limits(
            max_message_size=cfg.max_message_size,
            max_instances=cfg.max_instances,
            max_concurrent_calls=cfg.max_calls_in_flight,
        )
        self.conn = Connection(SERVER, self.limits)
        self.core = threading.Lock()
        self.instances = LockedInstances(self.conn.instances, self.core)
        self.dispatcher: Dispatcher | None = None
        self.calls: dict[int, Slot] = {}
        self._reading = threading.Lock()
        self._buf = bytearray(RECV_SIZE)
        self._view = memoryview(self._buf)
        self._outbox: list[bytes] = []
        self._writing = False
        self._on_closed = on_closed
        self._handshake_timer: Timer | None = None
        self._opened = time.monotonic()
        self._calls_total = 0
        self._failed = 0
        self._closing = False
        self.ended = False

    @property
    def calls_in_flight(self) -> int:
        return len(self.calls)

    # ---------------------------------------------------------------- life cycle

    def open(self) -> None:
        event("conn_open", peer=self.peer, transport=self.transport)
        when = time.monotonic() + self.gateway.config.handshake_timeout
        self._handshake_timer = self.engine.timers.schedule(when, self._handshake_expired)
        self.engine.register(self)

    def _handshake_expired(self) -> None:
        if self.dispatcher is None and not self.ended:
            self._refuse(
                StatusCode.DEADLINE_EXCEEDED,
                "no HELLO within the handshake timeout",
                protocol_error=True,
            )
            self.end("handshake timeout")

    def end(self, reason: str) -> None:
        """Close the connection: calls still running are abandoned (their answers dropped),
        its instances released. Safe from any thread, more than once."""
        give_up = time.monotonic() + 1.0
        while self._writing and time.monotonic() < give_up:
            time.sleep(0.0005)  # another thread is still sending (a GOAWAY, say): let it finish
        with self.core:
            if self.ended:
                return
            self.ended = True
            slots = list(self.calls.values())
            self.calls.clear()
            released = len(self.conn.instances.release_all())
        self.engine.unregister(self)
        if self._handshake_timer is not None:
            self._handshake_timer.cancel()
        for slot in slots:
            self._abandon(slot)
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        event(
            "conn_close",
            peer=self.peer,
            transport=self.transport,
            module=self.dispatcher.module.name if self.dispatcher else None,
            reason=reason,
            calls=self._calls_total,
            failed=self._failed,
            released_instances=released,
            seconds=round(time.monotonic() - self._opened, 3),
        )
        self._on_closed()

    # the trio gateway's drain calls these on every session (Gateway._drain)

    async def go_away(self) -> None:
        """Graceful shutdown: no new calls; those accepted so far are still answered."""
        if self.conn.state is not State.OPEN:
            return
        try:
            self._put(GoAway(self.conn.last_call_id, StatusCode.OK, "the gateway is shutting down"))
        except LocalProtocolError:
            pass

    async def close(self) -> None:
        """End of the grace period: what still runs is answered CANCELLED, then we close."""
        import trio

        self._closing = True
        for slot in list(self.calls.values()):
            self._abort(slot, RemoteError(StatusCode.CANCELLED, "the gateway is shutting down"))
        with trio.move_on_after(1):
            while self._writing or self._outbox:
                await trio.sleep(0.01)
        self.end("goaway")

    # ---------------------------------------------------------------- reading

    def on_readable(self) -> None:
        """Called by one pool thread when the socket is readable (EPOLLONESHOT: one reader at
        a time). Parses everything received, re-arms, then runs the calls."""
        if not self._reading.acquire(blocking=False):
            return  # a stale event for a reused descriptor; the real reader is at work
        try:
            jobs = self._read_and_handle()
        except Exception as e:  # one broken connection must never take a pool thread down
            event("session_crashed", logging.ERROR, peer=self.peer, error=repr(e))
            logging.getLogger("graftcode.gateway").debug("session failure", exc_info=True)
            self._reading.release()
            self.end("internal error")
            return
        self._reading.release()
        if not self.ended:
            # only now: a reader woken by the re-armed socket must find `_reading` free
            self.engine.rearm(self)
        if jobs:
            self.engine.run_jobs(self, jobs)

    def _receive(self) -> tuple[list[bytes], bool]:
        chunks: list[bytes] = []
        buf, view, sock = self._buf, self._view, self.sock
        size = len(buf)
        while True:
            try:
                n = sock.recv_into(buf, size, _MSG_DONTWAIT)
            except (BlockingIOError, InterruptedError):
                return chunks, False
            except OSError:
                return chunks, True
            if n == 0:
                return chunks, True
            chunks.append(bytes(view[:n]))
            if n < size:
                return chunks, False

    def _read_and_handle(self) -> list[Job]:
        if self.ended:
            return []
        chunks, eof = self._receive()
        conn = self.conn
        with self.core:
            for chunk in chunks:
                conn.receive_data(chunk)
            if eof:
                conn.receive_data(b"")
        jobs: list[Job] = []
        more = True
        while more:
            # Pulling stops after a HELLO: ours must be sent before the core parses a CALL that
            # came in the same segment (it would be a call before the handshake otherwise).
            events: list[tuple[Any, bool]] = []
            failure: RemoteProtocolError | None = None
            more = False
            with self.core:
                try:
                    while True:
                        ev = conn.next_event()
                        if ev is NEED_DATA:
                            break
                        t = type(ev)
                        events.append((ev, t is Call and conn.call_limit_exceeded))
                        if t is ConnectionClosed:
                            break  # it would be returned again and again
                        if t is Hello:
                            more = True
                            break
                except RemoteProtocolError as e:
                    failure = e
            for ev, over_limit in events:
                t = type(ev)
                if t is Call:
                    job = self._accept_call(ev, over_limit)
                    if job is not None:
                        jobs.append(job)
                elif t is Cancel:
                    slot = self.calls.get(ev.id)
                    if slot is not None:
                        self._abort(
                            slot, RemoteError(StatusCode.CANCELLED, "cancelled by the caller")
                        )
                elif t is Ping:
                    self._send_quietly(Pong(ev.opaque))
                elif t is Hello:
                    try:
                        self._hello(ev)
                    except RemoteError as e:
                        self._refuse(e.code, e.message, protocol_error=False)
                        self.end(f"refused: {e.message}")
                        return []
                elif t is GoAway:
                    event("client_goaway", logging.DEBUG, peer=self.peer, last_id=ev.last_id)
                elif t is ConnectionClosed:
                    self.end("connection lost mid-frame" if ev.truncated else "closed by peer")
                    return []
                if conn.state is State.CLOSED:
                    self.end("goaway")
                    return []
            if failure is not None:
                self._refuse(failure.code, failure.message, protocol_error=True)
                self.end(f"protocol error: {failure.message}")
                return []
        if eof:
            self.end("closed by peer")
            return []
        return jobs

    def _hello(self, hello: Hello) -> None:
        """The trio session's own handshake rules (auth, module choice, limits, features,
        logging), run to completion here: its only await is `_send`, which never suspends on
        this class, so one `send(None)` finishes the coroutine."""
        coro = Session._hello(cast(Session, self), hello)
        try:
            coro.send(None)
        except StopIteration:
            pass
        else:  # pragma: no cover - only if Session._hello grows a real suspension point
            coro.close()
            raise RuntimeError("Session._hello suspended; the threaded engine cannot run it")
        if self._handshake_timer is not None:
            self._handshake_timer.cancel()

    async def _send(self, ev: Any) -> None:
        """`Session`'s send, for the `Session` methods run on this class: never suspends."""
        self._put(ev)

    def _refuse(self, code: StatusCode, message: str, *, protocol_error: bool) -> None:
        event(
            "protocol_error" if protocol_error else "handshake_refused",
            logging.WARNING,
            peer=self.peer,
            code=code.name,
            error=message,
        )
        self._send_quietly(GoAway(self.conn.last_call_id, code, message))

    # ---------------------------------------------------------------- calls

    def _accept_call(self, call: Call, over_limit: bool) -> Job | None:
        """Register the call and bind its arguments; answer at once if it cannot run."""
        assert self.dispatcher is not None
        self._calls_total += 1
        slot = Slot(call)
        self.calls[call.id] = slot
        deadline = None if call.timeout_ms is None else time.monotonic() + call.timeout_ms / 1000
        try:
            if over_limit:
                raise RemoteError(
                    StatusCode.RESOURCE_EXHAUSTED,
                    f"more than {self.limits.max_concurrent_calls} calls in flight on this connection",
                )
            if self.gateway.draining and self.conn.goaway_sent is None:
                raise RemoteError(StatusCode.UNAVAILABLE, "the gateway is shutting down")
            prepared = prepare(self.dispatcher, call, self.instances, self.peer, deadline)
        except RemoteError as e:
            self._finish(slot, None, e)
            return None
        slot.request = prepared.request
        if deadline is not None:
            where = prepared.where
            slot.timer = self.engine.timers.schedule(
                deadline,
                lambda: self._abort(
                    slot,
                    RemoteError(
                        StatusCode.DEADLINE_EXCEEDED, f"{where} did not finish before its deadline"
                    ),
                ),
            )
        return slot, prepared

    def run(self, job: Job) -> None:
        """Run one call on this thread (sync members) or hand it to asyncio (async ones)."""
        slot, prepared = job
        if slot.done:
            return
        try:
            if prepared.is_async:
                self._start_async(slot, prepared, prepared.start())
                return
            result = prepared.start()
            if isinstance(result, CoroutineType):  # inspect.iscoroutine, one frame less
                self._start_async(slot, prepared, result)
                return
            if slot.done:
                return  # abandoned meanwhile: convert nothing, register no instances
            value = prepared.to_wire(result)
        except RemoteError as e:
            self._finish(slot, None, e)
            return
        self._finish(slot, value, None)

    def _start_async(self, slot: Slot, prepared: SyncCall, coro: Any) -> None:
        loop = self.gateway.bridge._ensure_loop()

        def start() -> None:
            if slot.done:
                coro.close()
                return
            task = loop.create_task(coro, context=prepared.ctx)
            slot.task = task
            task.add_done_callback(lambda t: self._async_done(slot, prepared, t))
            if slot.done:  # aborted while we were starting it
                task.cancel()

        loop.call_soon_threadsafe(start)

    def _async_done(self, slot: Slot, prepared: SyncCall, task: asyncio.Task[Any]) -> None:
        if task.cancelled() or slot.done:
            return
        exc = task.exception()
        if exc is not None:
            self._finish(slot, None, prepared.failure(exc))
            return
        try:
            value = prepared.to_wire(task.result())
        except RemoteError as e:
            self._finish(slot, None, e)
            return
        self._finish(slot, value, None)

    def _abort(self, slot: Slot, error: RemoteError) -> None:
        """Cancel, deadline or shutdown: answer now, stop the coroutine if there is one."""
        if self._finish(slot, None, error):
            self._abandon(slot)

    def _abandon(self, slot: Slot) -> None:
        slot.done = True
        if slot.request is not None:
            slot.request._cancelled.set()  # sync code still running can see it and stop
        if slot.timer is not None:
            slot.timer.cancel()
        task = slot.task
        if task is not None:
            try:
                task.get_loop().call_soon_threadsafe(task.cancel)
            except RuntimeError:
                pass  # the loop is closed: nothing runs any more

    def _finish(self, slot: Slot, value: Any, error: RemoteError | None) -> bool:
        """Answer the call unless someone already did; True if this answered it."""
        with self.core:
            if slot.done or self.calls.pop(slot.call.id, None) is None:
                return False
            slot.done = True
        if slot.timer is not None:
            slot.timer.cancel()
        reply: Result | Error
        if error is None:
            reply = Result(slot.call.id, value)
        else:
            if error.code is StatusCode.CANCELLED and self._closing:
                error = RemoteError(StatusCode.CANCELLED, "the gateway is shutting down")
            reply = self._error(slot.call, error)
        try:
            self._put(reply)
        except LocalProtocolError as e:
            if e.code is StatusCode.RESOURCE_EXHAUSTED and isinstance(reply, Result):
                # the answer is larger than the client accepts: tell it so instead
                self._send_quietly(
                    self._error(slot.call, RemoteError(StatusCode.RESOURCE_EXHAUSTED, e.message))
                )
        return True

    def _error(self, call: Call, e: RemoteError) -> Error:
        return Session._error(cast(Session, self), call, e)  # the same log line and answer

    # ---------------------------------------------------------------- writing

    def _send_quietly(self, ev: Any) -> None:
        try:
            self._put(ev)
        except LocalProtocolError:
            pass

    def _put(self, ev: Any) -> None:
        """Encode `ev` and write it, or leave it to the thread already writing. Raises
        LocalProtocolError (nothing written) when the protocol or the peer's limits forbid it."""
        with self.core:
            if self.ended:
                return
            data = self.conn.send(ev)
            if self._writing:
                self._outbox.append(data)
                return
            self._writing = True
        sock = self.sock
        try:
            sock.sendall(data)  # the usual case: nobody else writing, nothing queued
        except OSError:
            with self.core:  # the peer is gone; the reader sees the end and closes
                self._outbox = []
                self._writing = False
            return
        while True:
            with self.core:
                out = self._outbox
                if not out:
                    self._writing = False
                    return
                self._outbox = []
            try:
                sock.sendall(out[0] if len(out) == 1 else b"".join(out))
            except OSError:
                with self.core:  # the peer is gone; the reader sees the end and closes
                    self._outbox = []
                    self._writing = False
                return
