"""Members for test_inline_calls.py: short ones, one that blocks until another call releases
it, and one that spins (holds the GIL, never blocks) until released."""

from __future__ import annotations

import threading
import time

__version__ = "1.0.0"

_lock = threading.Lock()
_gates: dict[str, threading.Event] = {}
_started: set[str] = set()


def _gate(name: str) -> threading.Event:
    with _lock:
        return _gates.setdefault(name, threading.Event())


def add(a: int, b: int) -> int:
    return a + b


def wait_for(name: str, limit: float) -> bool:
    """Block until `release(name)` (True) or until `limit` seconds have passed (False)."""
    _started.add(name)
    return _gate(name).wait(limit)


def spin_for(name: str, limit: float) -> bool:
    """Like `wait_for`, but busy: pure Python that never lets go of the GIL on its own."""
    _started.add(name)
    gate = _gate(name)
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if gate.is_set():
            return True
    return False


def started(name: str) -> bool:
    return name in _started


def release(name: str) -> bool:
    _gate(name).set()
    return True
