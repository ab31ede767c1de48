"""One thread that fires callbacks at monotonic instants: the deadlines of the threaded TCP
engine's sessions (call deadlines, handshake timeouts, the bound on a closing flush).

It must never die: a dead timer thread means no deadline fires on any connection again. So an
instant far in the future only makes it wait in bounded steps (a wait of 2**64 ms overflows
the platform's clock types), and a failing callback is logged, never raised.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable

_MAX_WAIT = 3600.0  # seconds; far instants are reached in steps
log = logging.getLogger("graftcode.gateway")


class Timer:
    __slots__ = ("fn", "when")

    def __init__(self, when: float, fn: Callable[[], None]) -> None:
        self.when = when
        self.fn: Callable[[], None] | None = fn

    def cancel(self) -> None:
        """Drop the callback at once (and what it holds): a cancelled timer may stay in the heap
        until its instant, and must not keep a closed connection's memory alive until then."""
        self.fn = None

    @property
    def cancelled(self) -> bool:
        return self.fn is None


class TimerThread:
    """Started on the first `schedule`; `close` stops it. Callbacks run on the timer thread
    and must not block for long."""

    def __init__(self, name: str = "graftcode-timers") -> None:
        self._name = name
        self._heap: list[tuple[float, int, Timer]] = []
        self._seq = itertools.count()
        self._cond = threading.Condition(threading.Lock())
        self._thread: threading.Thread | None = None
        self._closed = False

    def schedule(self, when: float, fn: Callable[[], None]) -> Timer:
        timer = Timer(when, fn)
        with self._cond:
            if self._closed:
                timer.cancel()
                return timer
            heapq.heappush(self._heap, (when, next(self._seq), timer))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()
            elif self._heap[0][2] is timer:
                self._cond.notify()
        return timer

    def _next(self) -> Timer | None:
        """Wait for the next due timer; None once closed."""
        with self._cond:
            while True:
                if self._closed:
                    return None
                heap = self._heap
                while heap and heap[0][2].fn is None:
                    heapq.heappop(heap)
                if not heap:
                    self._cond.wait()
                    continue
                left = heap[0][0] - time.monotonic()
                if left <= 0:
                    return heapq.heappop(heap)[2]
                self._cond.wait(min(left, _MAX_WAIT))

    def _run(self) -> None:
        while True:
            try:
                timer = self._next()
                if timer is None:
                    return
                fn = timer.fn
                if fn is not None:
                    fn()
            except Exception:  # a failing callback must not stop the other timers
                log.exception("timer callback failed")

    def __len__(self) -> int:
        return len(self._heap)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._heap.clear()
            self._cond.notify()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)
