"""The flag behind `RequestContext.cancelled` / `wait_cancelled`."""

from __future__ import annotations

import threading

_EVENT_LOCK = threading.Lock()


class LazyCancelFlag:
    """What `RequestContext._cancelled` needs (`set`, `is_set`, `wait`) without building a
    `threading.Event` (a Condition and a lock, ~5 µs here) for every call: the Event is made
    only when hosted code actually waits."""

    __slots__ = ("_event", "_flag")

    def __init__(self) -> None:
        self._flag = False
        self._event: threading.Event | None = None

    def is_set(self) -> bool:
        return self._flag

    def set(self) -> None:
        self._flag = True
        event = self._event
        if event is not None:
            event.set()

    def wait(self, timeout: float | None = None) -> bool:
        if self._flag:
            return True
        with _EVENT_LOCK:
            if self._event is None:
                self._event = threading.Event()
            event = self._event
        if self._flag:  # set() ran before the Event existed
            event.set()
        return event.wait(timeout)
