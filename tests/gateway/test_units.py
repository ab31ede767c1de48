"""Small parts of the gateway and runtime, without sockets."""

from __future__ import annotations

import asyncio
import contextvars
import threading
import time

import pytest
import trio
from graftcode_runtime import context
from graftcode_runtime.gateway._asyncio_bridge import AsyncioBridge
from graftcode_runtime.gateway._workers import WorkerPool


def test_context_is_none_outside_a_remote_call() -> None:
    assert context.current() is None


def test_request_context_time_remaining() -> None:
    ctx = context.RequestContext("m", "t", "f", 1, "inmemory:", {"traceparent": "00-x"}, None)
    assert ctx.time_remaining() is None and ctx.traceparent == "00-x"
    later = context.RequestContext("m", "t", "f", 1, "p", {}, time.monotonic() + 60)
    remaining = later.time_remaining()
    assert remaining is not None and 0 < remaining <= 60


def test_worker_pool_bounds_concurrency_and_returns_results() -> None:
    pool = WorkerPool(3)
    running = 0
    peak = 0
    lock = threading.Lock()

    def job(i: int) -> int:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.02)
        with lock:
            running -= 1
        return i * 2

    async def main() -> list[int]:
        out: list[int] = []

        async def one(i: int) -> None:
            out.append(await pool.run(lambda: job(i)))

        async with trio.open_nursery() as nursery:
            for i in range(12):
                nursery.start_soon(one, i)
        return sorted(out)

    assert trio.run(main) == [i * 2 for i in range(12)]
    assert peak <= 3
    pool.close()


def test_worker_pool_raises_the_job_exception_and_abandons_on_cancel() -> None:
    pool = WorkerPool(2)
    release = threading.Event()

    async def main() -> None:
        with pytest.raises(ZeroDivisionError):
            await pool.run(lambda: 1 / 0)
        with trio.move_on_after(0.05) as scope:
            await pool.run(release.wait)
        assert scope.cancelled_caught  # the waiter returned; the thread is still blocked
        release.set()
        assert await pool.run(lambda: "still works") == "still works"

    trio.run(main)
    pool.close()


def test_asyncio_bridge_runs_and_cancels_coroutines() -> None:
    bridge = AsyncioBridge()
    seen: list[str] = []

    async def slow() -> int:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            seen.append("cancelled")
            raise
        return 1

    async def quick() -> str:
        return asyncio.get_running_loop().__class__.__name__

    async def main() -> None:
        assert "EventLoop" in await bridge.run(quick(), contextvars.copy_context())
        with trio.move_on_after(0.05):
            await bridge.run(slow(), contextvars.copy_context())
        for _ in range(100):
            if seen:
                break
            await trio.sleep(0.01)

    trio.run(main)
    assert seen == ["cancelled"]
    bridge.close()
