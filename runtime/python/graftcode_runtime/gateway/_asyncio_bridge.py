"""Runs hosted `async def` members on one asyncio loop in a dedicated thread.

Why asyncio and not trio: most async Python libraries (HTTP clients, database drivers) are
written for asyncio and fail or deadlock under trio. The gateway itself is trio; a single
asyncio loop in its own thread hosts every coroutine the hosted modules define, so coroutines
of different calls interleave there without blocking each other or the gateway. Results come
back through `trio.lowlevel.current_trio_token().run_sync_soon`, so no trio worker thread waits
on a coroutine. Cancellation (caller cancel, deadline, shutdown) cancels the asyncio task, which
raises `asyncio.CancelledError` inside the coroutine at its next await.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import threading
from collections.abc import Coroutine
from typing import Any

import trio


class AsyncioBridge:
    """Starts its loop thread lazily, on the first coroutine, so modules without async members
    cost nothing."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def _ensure_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                ready = threading.Event()

                def main() -> None:
                    asyncio.set_event_loop(loop)
                    loop.call_soon(ready.set)
                    loop.run_forever()
                    loop.close()

                thread = threading.Thread(target=main, name="graftcode-asyncio", daemon=True)
                thread.start()
                ready.wait()
                self._loop, self._thread = loop, thread
            return self._loop

    async def run(self, coro: Coroutine[Any, Any, Any], ctx: contextvars.Context) -> Any:
        """Run `coro` on the asyncio loop inside `ctx` (the request context), wait for it from
        trio, and cancel it if the trio task is cancelled."""
        loop = self._ensure_loop()
        token = trio.lowlevel.current_trio_token()
        done = trio.Event()
        fut: concurrent.futures.Future[Any] = concurrent.futures.Future()

        def start() -> None:
            task = loop.create_task(coro, context=ctx)

            def finished(t: asyncio.Task[Any]) -> None:
                if t.cancelled():
                    fut.cancel()
                elif (exc := t.exception()) is not None:
                    fut.set_exception(exc)
                else:
                    fut.set_result(t.result())
                try:
                    token.run_sync_soon(done.set)
                except trio.RunFinishedError:
                    pass

            task.add_done_callback(finished)
            holder.append(task)

        holder: list[asyncio.Task[Any]] = []
        loop.call_soon_threadsafe(start)
        try:
            await done.wait()
        except trio.Cancelled:
            loop.call_soon_threadsafe(lambda: holder[0].cancel() if holder else coro.close())
            raise
        return fut.result()

    def close(self) -> None:
        with self._lock:
            loop, thread = self._loop, self._thread
            self._loop = self._thread = None
        if loop is not None and thread is not None:

            def stop() -> None:
                for task in asyncio.all_tasks(loop):
                    task.cancel()
                loop.stop()

            loop.call_soon_threadsafe(stop)
            thread.join(timeout=5)
