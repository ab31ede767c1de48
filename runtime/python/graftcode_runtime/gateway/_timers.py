"""One thread that fires callbacks at monotonic instants: call deadlines and handshake timeouts
of the threaded TCP engine. Calls without a deadline never touch it."""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections.abc import Callable


class Timer:
    __slots__ = ("cancelled", "fn", "when")

    def __init__(self, when: float, fn: Callable[[], None]) -> None:
        self.when = when
        self.fn = fn
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class TimerThread:
    """Started on the first `schedule`; `close` stops it. Callbacks run on the timer thread
    and must not block for long (they send one small message at most)."""

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
                timer.cancelled = True
                return timer
            heapq.heappush(self._heap, (when, next(self._seq), timer))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()
            elif self._heap[0][2] is timer:
                self._cond.notify()
        return timer

    def _run(self) -> None:
        while True:
            with self._cond:
                while True:
                    if self._closed:
                        return
                    while self._heap and self._heap[0][2].cancelled:
                        heapq.heappop(self._heap)
                    if not self._heap:
                        self._cond.wait()
                        continue
                    left = self._heap[0][0] - time.monotonic()
                    if left <= 0:
                        timer = heapq.heappop(self._heap)[2]
                        break
                    self._cond.wait(left)
            if not timer.cancelled:
                try:
                    timer.fn()
                except Exception:  # a failing callback must not stop the other timers
                    import logging

                    logging.getLogger("graftcode.gateway").exception("timer callback failed")

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._heap.clear()
            self._cond.notify()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)
