"""The threaded engine's watchdog (`_thread_engine.py`): the leader runs short calls itself, and
this thread makes sure one that blocks there (or a write to a full socket, or a generator's
close) does not hold up the other connections for more than a few milliseconds."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._thread_engine import ThreadedEngine

_WATCH = 0.002  # seconds between looks while the leader is busy; while it waits in
_WATCH_IDLE = 0.016  # epoll_wait the pause doubles up to this (each look costs a wake-up)
_PARK_AFTER = 50  # the watchdog parks after this many looks at a waiting leader


def watch(engine: ThreadedEngine) -> None:
    """The watchdog: a leader that is still on the same step (an event, a call) at two looks
    `_WATCH` apart, and that is blocked or busy on the CPU meanwhile (not merely waiting for
    a CPU that other processes hold), loses its post; a waiting thread takes over polling
    and what was queued. So a member that blocks on the leader holds up other connections
    briefly (a few ms when the gateway is busy, about `_WATCH_IDLE` more when it was idle),
    and once: its member then goes to the workers. Looks grow rarer while the leader waits
    in `epoll_wait`, and stop (parked) after a while of that, so an idle gateway sleeps."""
    lock, cond = engine._lock, engine._watch_cond
    seen = -1
    seen_cpu = 0.0
    quiet = 0
    pause = _WATCH
    while True:
        stuck: threading.Thread | None = None
        with lock:
            if engine._closed:
                return
            leader = engine._leader
            if engine._polling or leader is None:
                seen = -1
                quiet += 1
                pause = min(2 * pause, _WATCH_IDLE)
                if quiet >= _PARK_AFTER:
                    engine._watch_parked = True
                    cond.wait()
                    quiet = 0
                    pause = _WATCH
            elif engine._step == seen:
                stuck = leader
            else:
                quiet = 0
                pause = _WATCH
                seen = engine._step
                seen_cpu = _cpu_time(leader)
        if stuck is not None and _holds_up(stuck, seen_cpu, pause):
            with lock:
                if engine._leader is stuck and engine._step == seen and not engine._polling:
                    engine._depose()
            seen = -1
        time.sleep(pause)


def _cpu_time(thread: threading.Thread) -> float:
    """The thread's CPU time in seconds (0.0 where the platform cannot tell)."""
    try:
        return time.clock_gettime(time.pthread_getcpuclockid(thread.ident or 0))
    except (AttributeError, OSError, OverflowError):
        return 0.0


def _holds_up(thread: threading.Thread, cpu_then: float, interval: float) -> bool:
    """Whether a thread that made no progress for `interval` is holding the others up: it is
    blocked (sleeping on something) or it kept a CPU busy for most of that time. A thread that
    only waited for a CPU (other processes ran) is not; on a shared CPU that is common, and
    taking its post would only add a thread."""
    if _cpu_time(thread) - cpu_then >= interval / 2:
        return True  # busy on the CPU: a long computation
    try:
        with open(f"/proc/self/task/{thread.native_id}/stat", "rb") as f:
            state = f.read().rsplit(b")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True  # cannot tell: assume the worst
    return state != b"R"
