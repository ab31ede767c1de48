"""The threaded TCP engine: plain TCP connections served by a pool of threads sharing one epoll.

Why (measured, docs/performance.md): on this class of machine a call that crosses threads pays
a wake-up on the other CPU each way (~65 µs), and a trio task switch costs tens of µs more. The
trio driver reads a call on the trio thread, runs a sync member in a worker thread and answers
from the trio thread: two hops per call. Here the thread that reads a call runs it and writes
its answer: no hop at all, like a blocking-socket server. The session rules are the same
policy's (`_policy.py`); `_thread_driver.py` drives it for one connection.

One thread at a time, the leader, waits in `epoll_wait` (edge-triggered registrations, no
epoll_ctl per call). It reads every connection an event names, up to `_BATCH` per wake-up, and
then runs the short plain calls they brought itself, answering each at once; the other pool
threads wait on a condition and never compete for the GIL while it does (bench/notes/
gateway-concurrency.md: with many callers the old pool, every idle thread in `epoll_wait`, spent
most of its extra CPU on GIL hand-offs and wake-ups). Calls that may block go to worker threads
instead: streaming calls, and members whose code took longer than `_SLOW` last time (measured
per member; after `_SLOW_RUNS` runs on workers the leader tries one again). A member that
blocks when run by the leader, once, is caught by the watchdog thread: a call still running at
two of its looks `_WATCH` apart costs the leader its post, and a waiting thread takes over
polling and the queued calls. So a blocking member stalls other connections for a few
milliseconds at most. At most `max_workers` threads run user code at once (the leader's inline
calls included); the pool keeps one more thread, so a connection can always be read.
GRAFTCODE_TCP_INLINE=0 sends every call to the workers.

Accepting, TLS, WebSocket, HTTP and the in-memory transport stay on trio. The trio accept loop
hands each plain TCP socket over here (`serve_stream`), and the session joins
`Gateway.sessions`, so status pages, drain and shutdown treat it like any other session.
"""

from __future__ import annotations

import logging
import os
import select
import socket
import threading
import time
from collections import deque
from typing import TYPE_CHECKING, Any

import trio

from ..transport._malloc import keep_large_allocations
from ._dispatch import Job
from ._log import event
from ._thread_driver import RECEIVE_LIMIT, ThreadedSession
from ._thread_watch import watch
from ._timers import TimerThread

if TYPE_CHECKING:
    from ._server import Gateway

ENV = "GRAFTCODE_TCP_ENGINE"  # "threads" (default) or "trio"
# larger reads cost page faults per call here (docs/performance.md); the extra 4 KiB lets a
# message of a 64 KiB payload and its envelope arrive in one read, not 64 KiB and a few bytes
RECV_SIZE = 68 * 1024
BURST_SIZE = 1024 * 1024  # reads after a full one (the heap tuning of _malloc.py: no faults)
_WAKE = select.EPOLLIN
# GRAFTCODE_EPOLL_ONESHOT=1: the one-shot registration (a re-arm per event) of the second pass
ONESHOT = os.environ.get("GRAFTCODE_EPOLL_ONESHOT", "") == "1"
_EDGE = select.EPOLLONESHOT if ONESHOT else select.EPOLLET
_DONTWAIT = socket.MSG_DONTWAIT
# GRAFTCODE_TCP_INLINE=0: every call goes to a worker thread (no call runs on the leader)
INLINE = os.environ.get("GRAFTCODE_TCP_INLINE", "1") != "0"
_BATCH = 64  # events the leader takes per epoll_wait
_SLOW = 0.0005  # a member whose code took longer (wall clock) goes to the workers ...
_SLOW_RUNS = 100  # ... for this many runs, then the leader tries it again (twice as many
_SLOW_RUNS_MAX = 100_000  # runs each time it is slow again, up to this many)
log = logging.getLogger("graftcode.gateway")


def threaded_tcp_enabled(choice: str | None = None) -> bool:
    """Plain TCP goes to the threaded engine unless the config (`tcp_engine`) or
    GRAFTCODE_TCP_ENGINE says trio."""
    return (choice or os.environ.get(ENV, "threads")).strip().lower() != "trio"


class ThreadedEngine:
    def __init__(self, gateway: Gateway) -> None:
        keep_large_allocations()  # large messages without page faults per call (_malloc.py)
        self.gateway = gateway
        self.timers = TimerThread()
        self._ep = select.epoll()
        self._wake = os.eventfd(0, os.EFD_NONBLOCK | os.EFD_SEMAPHORE | os.EFD_CLOEXEC)
        self._ep.register(self._wake, _WAKE)
        self._sessions: dict[int, ThreadedSession] = {}
        self._lock = threading.Lock()
        self._local = threading.local()  # one receive buffer per pool thread, not per connection
        self._cond = threading.Condition(self._lock)  # pool threads wait here for work
        self._backlog: deque[tuple[ThreadedSession, Job]] = deque()  # for the workers
        self._ready: deque[tuple[ThreadedSession, Job]] = deque()  # for the leader
        self._leader: threading.Thread | None = None  # the thread in epoll_wait
        self._pending: deque[tuple[int, int]] = deque()  # events the leader has to handle
        self._polling = False  # the leader waits in epoll_wait
        self._step = 0  # the leader's events and calls so far: the watchdog's clock
        self._slow: dict[str, int] = {}  # members (by name) sent to the workers, for so many runs
        self._slow_next: dict[str, int] = {}  # how many, the next time they are slow
        self._watch_cond = threading.Condition(self._lock)
        self._watch_parked = False
        self._max_busy = max(1, gateway.config.max_workers)
        self._cap = self._max_busy + 1
        self._threads: list[threading.Thread] = []
        self._idle = 0  # threads waiting on `_cond`, not yet woken
        self._busy = 0  # threads running hosted code (the leader's inline calls included)
        self._closed = False
        self._counts = {"inline": 0, "worker": 0, "deposed": 0}
        with self._lock:
            self._spawn()
        self._watcher = threading.Thread(target=watch, args=(self,), name="graftcode-watch")
        self._watcher.daemon = True
        self._watcher.start()

    # ---------------------------------------------------------------- trio side

    async def serve_stream(self, stream: trio.SocketStream, peer: str) -> None:
        """Take over an accepted trio socket until its connection ends (or we are cancelled,
        which closes it)."""
        tsock = stream.socket
        sock = socket.socket(tsock.family, tsock.type, tsock.proto, fileno=tsock.detach())
        sock.setblocking(True)
        token = trio.lowlevel.current_trio_token()
        done = trio.Event()

        def closed() -> None:
            try:
                token.run_sync_soon(done.set)
            except trio.RunFinishedError:
                pass

        session = ThreadedSession(self, sock, peer, closed)
        sessions = self.gateway.sessions
        sessions.add(session)
        try:
            session.open()
            await done.wait()
        except Exception as e:  # one broken connection must never take the gateway down
            event("session_crashed", logging.ERROR, peer=peer, error=repr(e))
            log.debug("session failure", exc_info=True)
        finally:
            session.end("the gateway stopped")
            sessions.discard(session)

    # ---------------------------------------------------------------- epoll

    # Every epoll_ctl goes under `_lock` and only for the session registered for the fd: a
    # session's late re-arm (from a thread still finishing its call) could otherwise reach a
    # new connection that got the same fd number after the close, and arm it for writing only,
    # so its HELLO was never noticed (test_hostile_streams, after a stream broke off).

    def register(self, session: ThreadedSession, mask: int) -> None:
        with self._lock:
            self._sessions[session.fd] = session
            self._ep.register(session.fd, mask | _EDGE)

    def rearm(self, session: ThreadedSession, mask: int) -> None:
        with self._lock:
            if self._sessions.get(session.fd) is not session:
                return  # ended: the fd may be another connection's now
            try:
                self._ep.modify(session.fd, mask | _EDGE)
            except (OSError, ValueError):
                pass  # closed meanwhile

    def unregister(self, session: ThreadedSession) -> None:
        with self._lock:
            if self._sessions.get(session.fd) is not session:
                return
            del self._sessions[session.fd]
            try:
                self._ep.unregister(session.fd)
            except (OSError, ValueError):
                pass

    def receive(self, sock: socket.socket, ended: bool = False) -> tuple[list[bytes], bool, bool]:
        """Everything the socket holds now, without blocking, up to RECEIVE_LIMIT bytes; True
        at the end of the stream; True when the read stopped at that limit (bytes may be left:
        re-arm, edge-triggered epoll would not report them again).

        A short read means the socket is empty for now, and new bytes bring a new edge-
        triggered event; the peer's end of stream is no new bytes, so when the event says the
        peer has ended (`ended`: EPOLLRDHUP/HUP/ERR) the read goes on up to it. Otherwise a
        frame cut short and then a FIN in one event would leave the connection open for good.

        The first read goes to this thread's buffer (a small message costs a copy of its own
        size, not a fresh RECV_SIZE); once one fills it, a large message is arriving and the rest
        is read straight into new bytes of up to BURST_SIZE: one syscall and no copy for
        whatever the socket holds, instead of a recv and a copy per 64 KiB."""
        local = self._local
        buf = getattr(local, "buf", None)
        if buf is None:
            buf = local.buf = bytearray(RECV_SIZE)
            local.view = memoryview(buf)
        try:
            n = sock.recv_into(buf, RECV_SIZE, _DONTWAIT)
        except (BlockingIOError, InterruptedError):
            return [], False, False
        except OSError:
            return [], True, False
        if n == 0:
            return [], True, False
        chunks = [bytes(local.view[:n])]
        if n < RECV_SIZE and not ended:
            return chunks, False, False
        total = n
        while True:
            size = min(BURST_SIZE, RECEIVE_LIMIT - total)
            if size <= 0:
                return chunks, False, True  # the policy judges this much first
            try:
                data = sock.recv(size, _DONTWAIT)
            except (BlockingIOError, InterruptedError):
                return chunks, False, False
            except OSError:
                return chunks, True, False
            if not data:
                return chunks, True, False
            chunks.append(data)
            total += len(data)
            # as in the 64 KiB loop before: read on while reads bring more than a small
            # message (the sender is still writing), not only while they fill their size
            if len(data) < min(size, RECV_SIZE) and not ended:
                return chunks, False, False

    # ---------------------------------------------------------------- the pool

    def _spawn(self) -> None:
        """Start one more pool thread (the caller holds `_lock`)."""
        t = threading.Thread(target=self._worker, name="graftcode-tcp", daemon=True)
        self._threads.append(t)
        t.start()

    def _wake_one(self) -> None:
        """Get a thread to take the lead or a queued call: a waiting one, else a new one while
        the pool is below its cap (the caller holds `_lock`). A woken thread is counted out of
        `_idle` here, so two wake-ups never count on the same waiting thread."""
        if self._idle:
            self._idle -= 1
            self._cond.notify()
        elif len(self._threads) < self._cap:
            self._spawn()

    def _worker(self) -> None:
        """A pool thread: the leader while the post is free, else a worker for queued calls."""
        lock, cond, backlog = self._lock, self._cond, self._backlog
        me = threading.current_thread()
        while True:
            with lock:
                while True:
                    if self._closed:
                        return
                    if self._leader is None:
                        self._leader = me
                        item = None
                        break
                    if backlog and self._busy < self._max_busy:
                        item = backlog.popleft()
                        self._busy += 1
                        self._counts["worker"] += 1
                        break
                    self._idle += 1  # whoever wakes us counts us out again (_wake_one)
                    cond.wait()
            if item is None:
                self._lead(me)
            else:
                self._run_counted(*item)

    def _lead(self, me: threading.Thread) -> None:
        """The leader: the one thread in `epoll_wait`. It reads every connection an event names
        (up to `_BATCH` at once), then runs the short calls they brought itself, then waits
        again: under load one wake-up serves many calls and no other thread wants the GIL.
        Returns once the watchdog has handed the lead to another thread (a step took too long:
        a call, or a write to a full socket); the events and calls it had not reached yet are
        the next leader's (`_pending`, `_ready`)."""
        ep, wake, sessions, pending = self._ep, self._wake, self._sessions, self._pending
        while True:
            while pending:
                if self._leader is not me:
                    self._hand_over()
                    return
                try:
                    fd, mask = pending.popleft()
                except IndexError:
                    break
                self._step += 1
                if fd == wake:
                    try:
                        os.eventfd_read(wake)
                    except (BlockingIOError, OSError):
                        pass
                    continue
                session = sessions.get(fd)
                if session is not None:
                    session.on_event(mask, me)
            if not self._run_ready(me):
                return
            self._polling = True
            try:
                events = ep.poll(-1, _BATCH)
            except InterruptedError:
                continue
            except (OSError, ValueError):
                return  # the epoll object was closed
            finally:
                self._polling = False
            pending.extend(events)
            if self._watch_parked:
                with self._lock:
                    self._watch_parked = False
                    self._watch_cond.notify()

    def _run_ready(self, me: threading.Thread) -> bool:
        """Run the calls queued for the leader; False once this thread is no longer the leader
        (the watchdog deposed it while a call ran, or the engine closed). One lock round trip
        per call: the end of one call and the start of the next are booked together."""
        lock, ready, counts = self._lock, self._ready, self._counts
        job: Job | None = None
        spent = 0.0
        while True:
            with lock:
                if job is not None:
                    self._busy -= 1
                    if spent > _SLOW:
                        self._mark_slow(job.plan.where)
                    job = None
                if self._leader is not me or self._closed:
                    if self._leader is me:
                        self._leader = None
                    elif ready:
                        self._hand_over()
                    return False
                if not ready:
                    return True
                if self._busy >= self._max_busy:  # every worker busy: they take these later
                    self._backlog.extend(ready)
                    ready.clear()
                    return True
                session, job = ready.popleft()
                self._busy += 1
                self._step += 1
                counts["inline"] += 1
            spent = 0.0
            try:
                spent = session.run(job)
            except BaseException:  # SystemExit and the like from user code: this thread ends
                with lock:
                    self._busy -= 1
                    if self._leader is me:
                        self._leader = None
                        self._wake_one()
                raise

    def _hand_over(self) -> None:
        """A deposed leader leaves events or calls behind: wake the leader, which may already
        be waiting in `epoll_wait` (it polled before this thread noticed it had lost the post)."""
        try:
            os.eventfd_write(self._wake, 1)
        except OSError:
            pass  # closed: nothing is served any more

    def _mark_slow(self, where: str) -> None:
        """Send a member to the workers for a while (the caller holds `_lock`)."""
        runs = self._slow_next.get(where, _SLOW_RUNS)
        self._slow[where] = runs
        self._slow_next[where] = min(2 * runs, _SLOW_RUNS_MAX)

    def _run_counted(self, session: ThreadedSession, job: Job) -> None:
        """Run a queued call on a worker (the caller counted it in `_busy`)."""
        try:
            session.run(job)
        finally:
            with self._lock:
                self._busy -= 1
                # after so many runs here, the leader tries the member again (a worker's own
                # timing says little: it includes waiting for the GIL)
                left = self._slow.get(job.plan.where)
                if left is not None:
                    if left <= 1:
                        del self._slow[job.plan.where]
                    else:
                        self._slow[job.plan.where] = left - 1

    def _depose(self) -> None:
        """Take the post from a stuck leader and give it to another thread (holding `_lock`)."""
        self._counts["deposed"] += 1
        self._leader = None  # the call's own time decides if it was slow
        if self._idle or len(self._threads) < self._cap:
            self._wake_one()
        elif len(self._threads) < 2 * self._cap:
            self._spawn()  # the stuck thread is not counted busy (a write, a generator's close)
        # else the next thread to finish takes the post: the pool does not grow without bound

    def run_jobs(self, session: ThreadedSession, jobs: list[Job], me: threading.Thread) -> None:
        """Calls one read produced (by `me`, which was the leader then): plain calls of members
        not known to be slow wait for the leader, if `me` still is, the rest go to the workers."""
        slow = self._slow
        with self._lock:
            for job in jobs:
                if (
                    INLINE
                    and job.stream is None
                    and job.inbox is None
                    and job.plan.where not in slow
                    and self._leader is me
                ):
                    self._ready.append((session, job))
                else:
                    self._backlog.append((session, job))
                    if self._busy < self._max_busy:
                        self._wake_one()

    def submit(self, session: ThreadedSession, jobs: list[Job]) -> None:
        """Run these calls on the workers (stream steps a write let go on: the writing thread
        may hold the session's lock)."""
        with self._lock:
            for job in jobs:
                self._backlog.append((session, job))
                if self._busy < self._max_busy:
                    self._wake_one()

    # ---------------------------------------------------------------- shutdown

    def close(self) -> None:
        """End every connection and stop the threads (Gateway.serve calls this last)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            sessions = list(self._sessions.values())
            threads = list(self._threads)
            self._backlog.clear()
            self._ready.clear()
            self._pending.clear()
            self._cond.notify_all()
            self._watch_cond.notify_all()
        for s in sessions:
            s.end("the gateway stopped")
        os.eventfd_write(self._wake, len(threads) + 1)
        me = threading.current_thread()
        give_up = time.monotonic() + 2.0  # for all threads together, not 2 s each
        for t in threads:
            if t is not me:
                t.join(timeout=max(0.0, give_up - time.monotonic()))
        self.timers.close()
        if not any(t.is_alive() for t in threads if t is not me):
            self._ep.close()
            os.close(self._wake)
        # else a thread is still inside an abandoned hosted call: it may still touch the
        # eventfd (run_jobs) and must not find its number reused; the daemon thread and these
        # two descriptors go with the process

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {
                "threads": len(self._threads),
                "idle": self._idle,
                "busy": self._busy,
                "backlog": len(self._backlog) + len(self._ready),
                "slow_members": len(self._slow),
                **self._counts,
                "connections": len(self._sessions),
                "timers": len(self.timers),
            }


_ENGINES: dict[int, ThreadedEngine] = {}
_ENGINES_LOCK = threading.Lock()


def engine_for(gateway: Gateway) -> ThreadedEngine:
    """The gateway's engine, started on its first plain TCP connection."""
    with _ENGINES_LOCK:
        engine = _ENGINES.get(id(gateway))
        if engine is None or engine.gateway is not gateway:
            engine = _ENGINES[id(gateway)] = ThreadedEngine(gateway)
        return engine


def close_engine(gateway: Gateway) -> None:
    """Stop the gateway's engine, if it ever started."""
    with _ENGINES_LOCK:
        engine = _ENGINES.pop(id(gateway), None)
    if engine is not None and engine.gateway is gateway:
        engine.close()
