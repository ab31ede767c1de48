"""The worker threads that run hosted synchronous functions.

A fixed upper bound of threads (`max_workers`) takes jobs from one queue, so at most that many
user functions run at once and the rest wait their turn; the event loop never blocks. It does
what `trio.to_thread.run_sync(limiter=...)` does with fewer scheduler round trips per call
(no limiter checkpoint, no per-call thread-cache hand-shake), which matters because a trivial
hosted function costs less than the hop itself.

A cancelled waiter (deadline, CANCEL, shutdown) returns at once; its job still runs to the end
in its thread (Python cannot interrupt a thread safely) and the result is dropped.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any

import outcome
import trio

_Job = tuple[Callable[[], Any], trio.lowlevel.TrioToken, Callable[[outcome.Outcome[Any]], None]]


class WorkerPool:
    def __init__(self, max_workers: int, name: str = "graftcode-worker") -> None:
        if max_workers < 1:
            raise ValueError("max_workers must be at least 1")
        self.max_workers = max_workers
        self._name = name
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._threads = 0
        self._idle = 0

    def _submit(self, job: _Job) -> None:
        with self._lock:
            if self._idle == 0 and self._threads < self.max_workers:
                self._threads += 1
                threading.Thread(
                    target=self._work, name=f"{self._name}-{self._threads}", daemon=True
                ).start()
            else:
                self._idle -= 1  # this idle worker is now spoken for
        self._jobs.put(job)

    def _work(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            fn, token, done = job
            result = outcome.capture(fn)
            try:
                token.run_sync_soon(done, result)
            except trio.RunFinishedError:
                pass
            with self._lock:
                self._idle += 1

    async def run(self, fn: Callable[[], Any]) -> Any:
        """Run `fn` in a worker thread and return its result (or raise its exception)."""
        task = trio.lowlevel.current_task()
        abandoned = False

        def done(result: outcome.Outcome[Any]) -> None:
            if not abandoned:
                trio.lowlevel.reschedule(task, result)

        def abort(_: Any) -> trio.lowlevel.Abort:
            nonlocal abandoned
            abandoned = True
            return trio.lowlevel.Abort.SUCCEEDED

        await trio.lowlevel.checkpoint_if_cancelled()
        self._submit((fn, trio.lowlevel.current_trio_token(), done))
        return await trio.lowlevel.wait_task_rescheduled(abort)

    def close(self) -> None:
        """Let idle workers exit (busy ones finish their job first)."""
        with self._lock:
            n = self._threads
        for _ in range(n):
            self._jobs.put(None)
