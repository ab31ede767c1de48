"""The small pieces under the threaded engine: timers, the lazy cancel flag, malloc tuning."""

from __future__ import annotations

import threading

import pytest
from graftcode_runtime.gateway._cancel_flag import LazyCancelFlag
from graftcode_runtime.gateway._timers import TimerThread
from graftcode_runtime.transport import _malloc


def test_timers_fire_in_order_and_cancelled_ones_never() -> None:
    timers = TimerThread()
    fired: list[str] = []
    done = threading.Event()
    import time

    now = time.monotonic()

    def last() -> None:
        fired.append("late")
        done.set()

    timers.schedule(now + 0.15, last)
    timers.schedule(now + 0.05, lambda: fired.append("early"))
    timers.schedule(now + 0.10, lambda: fired.append("cancelled")).cancel()
    timers.schedule(now - 1, lambda: fired.append("overdue"))
    assert done.wait(5)
    timers.close()
    assert fired == ["overdue", "early", "late"]


def test_a_failing_timer_callback_does_not_stop_the_others() -> None:
    timers = TimerThread()
    done = threading.Event()
    import time

    def boom() -> None:
        raise RuntimeError("boom")

    timers.schedule(time.monotonic(), boom)
    timers.schedule(time.monotonic() + 0.02, done.set)
    assert done.wait(5)
    timers.close()


def test_closed_timers_schedule_nothing() -> None:
    timers = TimerThread()
    timers.close()
    t = timers.schedule(0, lambda: None)
    assert t.cancelled


def test_lazy_cancel_flag_behaves_like_an_event() -> None:
    flag = LazyCancelFlag()
    assert not flag.is_set()
    assert flag.wait(0.01) is False
    threading.Timer(0.05, flag.set).start()
    assert flag.wait(5) is True
    assert flag.is_set()
    set_first = LazyCancelFlag()
    set_first.set()
    assert set_first.wait() is True  # never builds an Event


def test_malloc_tuning_is_idempotent_and_can_be_switched_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = _malloc.keep_large_allocations()
    assert _malloc.keep_large_allocations() is first
    monkeypatch.setenv(_malloc.ENV, "0")
    assert _malloc._apply() is False


def test_a_timer_far_in_the_future_does_not_stop_the_others() -> None:
    """A deadline decades away (a CALL's timeout_ms of 2**64-1) once raised OverflowError in
    the timer thread and killed it: no deadline fired again on any connection."""
    import time

    timers = TimerThread()
    done = threading.Event()
    timers.schedule(time.monotonic() + 2.0**64 / 1000, lambda: None)
    timers.schedule(float("inf"), lambda: None)
    timers.schedule(time.monotonic() + 0.02, done.set)
    assert done.wait(5)
    timers.close()
