"""The threaded driver: one plain TCP connection served by the pool threads of the engine
(`_thread_engine.py`), with no thread hop between reading a call and answering it.

Every rule is the session policy's (`_policy.py`); this module only reads when an epoll event
says so, writes with a short send timeout (what the socket does not take by then waits for
EPOLLOUT), keeps
the policy's next deadline on the engine's timer thread, and runs user code: the pool thread
that reads a call runs a synchronous member itself and writes its answer; async members go to
the asyncio bridge's loop, whose done-callback answers. A call the policy abandons (cancel,
deadline, shutdown: answered already) keeps running if it is synchronous, since Python cannot
stop a thread; its result is dropped and its request context says it was cancelled.

Locking: `lock` guards the policy and what this session wants of epoll, and is held only to
feed the policy or take its output, never across I/O (epoll_ctl included) or user code. The socket is registered
edge-triggered (EPOLLET) and stays armed: epoll_ctl runs only when what the session waits for
changes (back-pressure, a full socket waiting for EPOLLOUT), not once per call. The thread
handling an event lets go of the fd *before* running the calls it parsed, so another idle
thread reads the next message of the same connection meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
import os
import select
import socket
import struct
import threading
import time
from collections.abc import Callable
from types import CoroutineType
from typing import TYPE_CHECKING, Any

from ..protocol import Framing
from ._dispatch import Job
from ._log import event
from ._policy import Session
from ._timers import Timer

if TYPE_CHECKING:
    from ._thread_engine import ThreadedEngine

ONESHOT = os.environ.get("GRAFTCODE_EPOLL_ONESHOT", "") == "1"  # see _thread_engine

RECEIVE_LIMIT = 2 * 1024 * 1024  # bytes the engine's receive reads per event at most

_IN = select.EPOLLIN | select.EPOLLHUP | select.EPOLLERR | select.EPOLLRDHUP
# the peer's end of stream is among this event's causes: read up to it (see Engine.receive)
_ENDED = select.EPOLLHUP | select.EPOLLERR | select.EPOLLRDHUP
_OUT = select.EPOLLOUT
_SEND_WAIT = struct.pack("ll", 0, 20_000)  # SO_SNDTIMEO: 20 ms for a full socket to take more
_FINAL_FLUSH = 1.0  # seconds to write a GOAWAY and the last answers before closing anyway
log = logging.getLogger("graftcode.gateway")


class ThreadedSession:
    transport = "tcp"

    def __init__(
        self,
        engine: ThreadedEngine,
        sock: socket.socket,
        peer: str,
        on_closed: Callable[[], None],
    ) -> None:
        self.engine = engine
        self.sock = sock
        self.fd = sock.fileno()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, _SEND_WAIT)
        self.peer = peer
        self.policy = Session(
            engine.gateway,
            transport="tcp",
            peer=peer,
            framing=Framing.STREAM,
            now=time.monotonic(),
        )
        self.lock = threading.Lock()
        self.policy.on_credit = self._credit
        self._arm_lock = threading.Lock()  # orders epoll_ctl calls, outside `lock`
        self.ended = False
        self._on_closed = on_closed
        self._in_event = False  # a pool thread is handling an epoll event of this fd
        self._again = False  # an event came meanwhile: that thread reads once more
        self._armed = 0  # the events the fd is armed for
        self._writing = False
        self._want_out = False  # the socket took only part of the output: wait for EPOLLOUT
        self._leftover: bytes | memoryview | None = None
        self._timer: Timer | None = None
        self._closing_by: float | None = None
        self._broken = False  # a write failed: the peer is gone

    @property
    def calls_in_flight(self) -> int:
        return self.policy.calls_in_flight

    # ---------------------------------------------------------------- life cycle

    def open(self) -> None:
        with self.lock:
            self._armed = _IN
            self.engine.register(self, _IN)
        self._after()  # the handshake deadline

    def end(self, reason: str) -> None:
        """Close the connection: calls still running are abandoned (their answers dropped),
        its instances released. Safe from any thread, more than once."""
        policy = self.policy
        with self.lock:
            if self.ended:
                return
            self.ended = True
            policy.connection_lost(reason)
            abandoned = policy.take_abandoned()
            closing = policy.take_closing()
            timer, self._timer = self._timer, None
        self.engine.unregister(self)
        if timer is not None:
            timer.cancel()
        self._stop(abandoned)
        self._resume([], closing)
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        with self.lock:
            policy.finished(time.monotonic())
        self._on_closed()

    # the trio gateway's drain calls these on every session (Gateway._drain)

    async def go_away(self) -> None:
        with self.lock:
            self.policy.go_away()
        self._after()

    async def close(self) -> None:
        import trio

        with self.lock:
            self.policy.shut_down()
        self._after()
        with trio.move_on_after(2 * _FINAL_FLUSH):
            while not self.ended:
                await trio.sleep(0.01)
        self.end("goaway")

    # ---------------------------------------------------------------- epoll events

    def on_event(self, mask: int, me: threading.Thread) -> None:
        """Called by the leader thread `me` per epoll event (edge-triggered: the fd stays armed, so no
        epoll_ctl per call). One thread handles the fd at a time; an event arriving meanwhile
        only marks `_again`, and the handling thread then re-arms the fd, which makes epoll
        report the bytes waiting to an idle thread."""
        with self.lock:
            if mask & _OUT:
                self._want_out = False
            # `ended` through a local: tested on `self` here, mypy would keep it narrowed for
            # the rest of the method (see `_is_done`), and the test below would be dead code
            ended = self.ended
            if self._in_event or ended:
                self._again = True  # the thread handling this fd re-arms it before leaving
                return
            self._in_event = True
            if ONESHOT:
                self._armed = 0  # the event disarmed the fd
            # a paused peer (back-pressure) is not read: the fd is disarmed below, and armed
            # again (which reports bytes already waiting) once the output has drained
            read = bool(mask & _IN) and self.policy.wants_read
        policy = self.policy
        jobs: list[Job] = []
        try:
            chunks, eof, full = (
                self.engine.receive(self.sock, bool(mask & _ENDED)) if read else ([], False, False)
            )
            now = time.monotonic()
            with self.lock:  # feed the policy and carry out its first decisions in one go
                if not self.ended:
                    for chunk in chunks:
                        jobs += policy.receive(chunk, now)
                    if eof:
                        jobs += policy.receive(b"", now)
                self._in_event = False
                if self._again or full:
                    # an event came meanwhile, or the read stopped at its size limit: edge-
                    # triggered epoll would not report those bytes again, re-arming does
                    self._again = False
                    self._armed = -1  # no real mask: `_rearm` applies one
                arm = self._rearm()
                if self.ended:
                    return
                decided = self._decide()
        except Exception as e:  # one broken connection must never take a pool thread down
            event("session_crashed", logging.ERROR, peer=self.peer, error=repr(e))
            log.debug("session failure", exc_info=True)
            with self.lock:
                self._in_event = False
            self.end("internal error")
            return
        if arm:
            self._apply_arm()
        if decided is not None:
            self._carry_out(*decided)
        if jobs:
            self.engine.run_jobs(self, jobs, me)

    def _rearm(self) -> bool:
        """Decide what the fd is to be armed for now (the caller holds `lock`); True when that
        changed, and the caller then calls `_apply_arm` once it has let go of `lock`."""
        if self._in_event or self.ended:
            return False  # the thread handling the event decides when it is done
        mask = (_IN if self.policy.wants_read else 0) | (_OUT if self._want_out else 0)
        if mask == self._armed:
            return False
        self._armed = mask
        return True

    def _apply_arm(self) -> None:
        """Arm the fd as last decided. Outside `lock` because epoll_ctl lets go of the GIL: a
        thread holding the session lock there made every answering thread queue behind it (more
        context switches, more pool threads, calls read in batches). Whoever applies last
        applies the latest decision, so the order of concurrent calls does not matter."""
        with self._arm_lock:
            if not self.ended:
                self.engine.rearm(self, self._armed)

    # ---------------------------------------------------------------- calls

    def run(self, job: Job) -> float:
        """Run one call on this thread (sync members) or hand it to asyncio (async ones). A
        streaming call's steps go on here while the policy has it ready again. Returns the
        seconds (wall clock) the member's own code took, which the engine uses to tell short
        members from slow ones."""
        abandoned = job.done  # a local: see `_is_done`
        if abandoned:  # abandoned before it started
            if job.stream is not None:
                with self.lock:
                    dropped = self.policy.dropped(job)
                if dropped:
                    self._after()
            return 0.0
        spent = 0.0
        clock = time.perf_counter
        while not job.done:  # (not narrowed: the test above was on a local)
            t0 = clock()
            try:
                result = job.start()
                if type(result) is CoroutineType:  # async members, or a sync one returning one
                    self._start_async(job, result)
                    return spent + clock() - t0
            except Exception as e:  # whatever user code raises, graftcode errors included
                spent += clock() - t0
                again = self._answered(job, None, e)
            else:
                spent += clock() - t0
                again = self._answered(job, result, None)
            if not again:
                return spent
        return spent

    def _start_async(self, job: Job, coro: Any) -> None:
        loop = self.engine.gateway.bridge._ensure_loop()

        def start() -> None:
            if job.done:
                coro.close()
                return
            task = loop.create_task(coro, context=job.ctx)
            job.handle = task
            task.add_done_callback(lambda t: self._async_done(job, t))
            if _is_done(job):  # abandoned while we were starting it
                task.cancel()

        loop.call_soon_threadsafe(start)

    def _async_done(self, job: Job, task: asyncio.Task[Any]) -> None:
        if not task.cancelled():
            exc = task.exception()
            if self._answered(job, None if exc is not None else task.result(), exc):
                self.run(job)  # the next step of an async producer: another task
        elif job.stream is not None:
            with self.lock:
                dropped = self.policy.dropped(job)
            if dropped:  # an abandoned step: close what is left of it
                self._after()

    def _stop(self, jobs: list[Job]) -> None:
        for job in jobs:
            stream = job.stream
            if stream is not None and not stream.is_async:
                continue  # a sync generator's step finishes on its thread; then it is closed
            task = job.handle
            if task is not None:
                try:
                    task.get_loop().call_soon_threadsafe(task.cancel)
                except RuntimeError:
                    pass  # the loop is closed: nothing runs any more

    # ---------------------------------------------------------------- carrying out

    def _credit(self, job: Job, n: int) -> None:
        """A member took `n` items of its stream parameter (its own thread): grant them."""
        with self.lock:
            if self.ended:
                return
            self.policy.grant(job, n)
        self._after()

    def _answered(self, job: Job, value: Any, exc: BaseException | None) -> bool:
        """User code finished: the answer and its write in as few lock round trips as the hot
        path allows (an answer never brings a deadline closer, so the timer stays as it is).
        True when `job` is a streaming call whose next step this thread is to run."""
        policy = self.policy
        with self.lock:
            if self.ended:
                return False
            if exc is None:
                policy.returned(job, value)
            else:
                policy.raised(job, exc)
            data = self._claim_output()
            if job.stream is None:
                ready: list[Job] = []
                closing: list[Job] = []
            else:
                ready, closing = policy.take_ready(), policy.take_closing()
        again = job in ready
        if data is not None:
            self._write(data)
        if job.stream is not None:
            self._resume([j for j in ready if j is not job], closing)
        if policy.closing is not None:
            self._after()
        return again

    def _resume(self, ready: list[Job], closing: list[Job]) -> None:
        """Streams the policy let go on (other threads step them) or ended (closed here, or on
        the asyncio loop for async producers)."""
        if ready:
            self.engine.submit(self, ready)
        for job in closing:
            stream = job.stream
            assert stream is not None
            try:
                coro = stream.close()
            except Exception:  # a finally that raises: the call is over anyway
                continue
            if coro is not None:
                self._on_loop(coro, job)

    def _on_loop(self, coro: Any, job: Job) -> None:
        loop = self.engine.gateway.bridge._ensure_loop()
        loop.call_soon_threadsafe(lambda: loop.create_task(coro, context=job.ctx))

    def _after(self) -> None:
        """Carry out what the policy decided: stop abandoned calls, write the output, keep the
        timer at the next deadline, close once a closing session's output is written."""
        with self.lock:
            if self.ended:
                return
            decided = self._decide()
        if decided is not None:
            self._carry_out(*decided)

    def _decide(self) -> tuple[list[Job], bytes | memoryview | None, bool, list[Job]] | None:
        """Calls to stop, output this thread is to write, whether a closing session is done,
        and producers to close (the caller holds `lock`); None when there is nothing to carry
        out (most events of a sequential call: its answer was written by `_answered`)."""
        policy = self.policy
        abandoned = policy.take_abandoned()
        data = self._claim_output()
        closing = policy.take_closing()
        done = self._plan() if data is None else False
        if data is None and not done and not abandoned and not closing:
            return None
        return abandoned, data, done, closing

    def _carry_out(
        self,
        abandoned: list[Job],
        data: bytes | memoryview | None,
        done: bool,
        closing: list[Job],
    ) -> None:
        if abandoned:
            self._stop(abandoned)
        if closing:
            self._resume([], closing)
        if data is not None:
            self._write(data)
            with self.lock:
                if self.ended:
                    return
                done = self._plan()
        if done:
            self.end(self.policy.closing or "closed")

    def _plan(self) -> bool:
        """Keep the timer at the next deadline; True when a closing session is done (the caller
        holds `lock`)."""
        policy = self.policy
        if policy.closing is not None:
            if self._closing_by is None:
                self._closing_by = time.monotonic() + _FINAL_FLUSH
            if self._broken or policy.pending_output == 0:
                return True
            when: float | None = self._closing_by
        else:
            when = policy.next_deadline
        if when is not None:
            timer = self._timer
            if timer is None or timer.cancelled or when < timer.when:
                if timer is not None:
                    timer.cancel()
                self._timer = self.engine.timers.schedule(when, self._on_timer)
        return False

    def _on_timer(self) -> None:
        with self.lock:
            if self.ended:
                return
            self._timer = None
            self.policy.expire(time.monotonic())
            give_up = self._closing_by is not None and time.monotonic() >= self._closing_by
        if give_up:
            self.end(self.policy.closing or "closed")
            return
        self._after()

    def _claim_output(self) -> bytes | memoryview | None:
        """The output to write, if this thread is to write it: nobody else is writing and the
        socket is not waiting for EPOLLOUT (the caller holds `lock`)."""
        if self._writing or self._want_out:
            return None
        data: bytes | memoryview | None = self._leftover
        if data is None:
            out = self.policy.take_output()
            if not out:
                return None
            data = out[0] if len(out) == 1 else b"".join(out)
        self._leftover = None
        self._writing = True
        return data

    def _write(self, data: bytes | memoryview) -> None:
        """Write claimed output, then whatever other threads queued meanwhile. The socket is
        blocking with a send timeout (SO_SNDTIMEO, _SEND_WAIT): a reading peer takes a large
        answer in one call, as sendall would, with no Python between the kernel's waits for
        room; what a peer that does not read leaves after the timeout waits for EPOLLOUT, so it
        never holds a pool thread for longer."""
        policy, sock, lock = self.policy, self.sock, self.lock
        while True:
            try:
                n = sock.send(data)
            except (BlockingIOError, InterruptedError):
                n = 0  # the timeout passed with nothing written
            except OSError:
                n = -1
            arm = False
            with lock:
                if n < 0 or self.ended:
                    self._writing = False
                    if n < 0 and not self.ended:
                        self._broken = True
                        policy.connection_lost("connection lost while answering")
                    return
                paused = not policy.wants_read
                policy.sent(n)
                if paused and policy.wants_read:
                    arm = self._rearm()  # back-pressure released: read from this peer again
                    ready = policy.take_ready()  # and producers paused for room go on
                    if ready:
                        self.engine.submit(self, ready)
                if n == len(data):
                    self._writing = False
                    more = self._claim_output()
                else:
                    self._writing = False
                    self._leftover = memoryview(data)[n:]
                    self._want_out = True
                    arm = self._rearm()
                    more = None
            if arm:
                self._apply_arm()
            if more is None:
                return
            data = more


def _is_done(job: Job) -> bool:
    """`job.done` read again after calls that may set it: mypy keeps an attribute narrowed
    across calls, and mypyc compiles by what mypy infers (graftcode_runtime._mypyc), so an
    inline second test would be compiled as always false."""
    return job.done
