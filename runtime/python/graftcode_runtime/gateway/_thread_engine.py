"""The threaded TCP engine: plain TCP connections served by a pool of threads sharing one epoll.

Why (measured, docs/performance.md): on this class of machine a call that crosses threads pays
a wake-up on the other CPU each way (~65 µs), and a trio task switch costs tens of µs more. The
trio driver reads a call on the trio thread, runs a sync member in a worker thread and answers
from the trio thread: two hops per call. Here the thread that reads a call runs it and writes
its answer: no hop at all, like a blocking-socket server. The session rules are the same
policy's (`_policy.py`); `_thread_driver.py` drives it for one connection.

Connections stay concurrent: each socket is registered edge-triggered and the thread that
handles an event lets go of it as soon as its bytes are parsed, *before* the calls run, so while
one thread runs a slow call another idle thread, already waiting in `epoll_wait`, reads the
next message of the same connection (no epoll_ctl re-arm per call, as EPOLLONESHOT needed).
Idle threads all wait in the kernel, which wakes exactly one per event. Calls parsed together
beyond the first go to a backlog that idle threads (woken through an eventfd) and the reading
thread itself drain. At most `max_workers` threads run user code at once; the pool keeps one
more so a connection can always be read.

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
        self._backlog: deque[tuple[ThreadedSession, Job]] = deque()
        self._max_busy = max(1, gateway.config.max_workers)
        self._cap = self._max_busy + 1
        self._threads: list[threading.Thread] = []
        self._idle = 0
        self._busy = 0
        self._closed = False
        with self._lock:
            self._spawn()
            self._spawn()

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

    def register(self, session: ThreadedSession, mask: int) -> None:
        with self._lock:
            self._sessions[session.fd] = session
        self._ep.register(session.fd, mask | _EDGE)

    def rearm(self, session: ThreadedSession, mask: int) -> None:
        try:
            self._ep.modify(session.fd, mask | _EDGE)
        except (OSError, ValueError):
            pass  # closed meanwhile

    def unregister(self, session: ThreadedSession) -> None:
        with self._lock:
            if self._sessions.get(session.fd) is session:
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
        self._idle += 1
        t.start()

    def _worker(self) -> None:
        ep, wake, lock, sessions = self._ep, self._wake, self._lock, self._sessions
        first = True
        while True:
            if not first:
                with lock:
                    self._idle += 1
            first = False
            try:
                events = ep.poll(-1, 1)
            except InterruptedError:
                events = []
            except (OSError, ValueError):
                return  # the epoll object was closed
            with lock:
                self._idle -= 1
                if self._closed:
                    return
                if self._idle == 0 and len(self._threads) < self._cap:
                    self._spawn()  # keep one thread waiting while this one works
            for fd, mask in events:
                if fd == wake:
                    try:
                        os.eventfd_read(wake)
                    except (BlockingIOError, OSError):
                        pass
                    self._drain_backlog()
                    continue
                session = sessions.get(fd)
                if session is not None:
                    session.on_event(mask)

    def run_jobs(self, session: ThreadedSession, jobs: list[Job]) -> None:
        """Run the calls one read produced: the first here, the rest by whichever thread is
        free first (this one included, once done)."""
        if len(jobs) > 1:
            with self._lock:
                self._backlog.extend((session, j) for j in jobs[1:])
            os.eventfd_write(self._wake, len(jobs) - 1)
        with self._lock:
            if self._busy >= self._max_busy:
                self._backlog.append((session, jobs[0]))
                job = None
            else:
                self._busy += 1
                job = jobs[0]
        if job is not None:
            try:
                session.run(job)
            finally:
                with self._lock:
                    self._busy -= 1
        if len(jobs) > 1 or self._backlog:
            self._drain_backlog()

    def submit(self, session: ThreadedSession, jobs: list[Job]) -> None:
        """Run these calls on whichever pool threads are free (stream steps a write let go on:
        the writing thread may hold the session's lock)."""
        with self._lock:
            self._backlog.extend((session, j) for j in jobs)
        os.eventfd_write(self._wake, len(jobs))

    def _drain_backlog(self) -> None:
        lock = self._lock
        while True:
            with lock:
                if not self._backlog or self._busy >= self._max_busy or self._closed:
                    return
                session, job = self._backlog.popleft()
                self._busy += 1
            try:
                session.run(job)
            finally:
                with lock:
                    self._busy -= 1

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
                "backlog": len(self._backlog),
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
