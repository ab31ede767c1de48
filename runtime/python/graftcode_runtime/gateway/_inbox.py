"""The stream parameter of a client-streaming call (docs/protocol.md 5.5.3), as the member
sees it: an iterator (sync members, on their worker thread) or an async iterator (async
members, on the asyncio loop) of the items the caller sends, already checked and converted.

The session policy feeds it (`put`, `end`, `fail`) as ITEM and END arrive, never beyond the
credit it granted; the member's reading gives the credit back: every `window // 2` items taken
call `on_taken(n)`, which the driver turns into a WINDOW (through the policy, on its thread).
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import Callable
from typing import Any

from ..protocol import Cancelled

_END = object()


class Inbox:
    """Thread-safe: fed from the driver's thread, read from the member's."""

    def __init__(self, window: int) -> None:
        self._items: deque[Any] = deque()
        self._cond = threading.Condition()
        self._grant_every = max(1, window // 2)
        self._taken = 0
        self._error: BaseException | None = None
        self._ended = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waiter: asyncio.Future[None] | None = None
        self.on_taken: Callable[[int], None] = lambda n: None

    # ---- fed by the policy -------------------------------------------------------------------

    def put(self, value: Any) -> None:
        self._push(value)

    def end(self) -> None:
        self._push(_END)

    def fail(self, error: BaseException) -> None:
        """The call ended (cancelled, deadline, disconnect) or an item was invalid: the member's
        next read raises `error`."""
        with self._cond:
            if self._error is None:
                self._error = error
        self._push(None, wake_only=True)

    def _push(self, value: Any, wake_only: bool = False) -> None:
        with self._cond:
            if not wake_only:
                self._items.append(value)
            self._cond.notify_all()
            loop, waiter = self._loop, self._waiter
        if loop is not None and waiter is not None:
            loop.call_soon_threadsafe(_wake, waiter)

    # ---- read by the member ------------------------------------------------------------------

    def _take(self) -> tuple[bool, Any]:
        """(True, item), (False, None) at the end; raises the failure. Caller holds `_cond`."""
        if self._error is not None:
            raise self._error
        if not self._items:
            raise LookupError
        value = self._items.popleft()
        if value is _END:
            self._ended = True
            return False, None
        self._taken += 1
        return True, value

    def _after_take(self) -> None:
        if self._taken >= self._grant_every:
            n, self._taken = self._taken, 0
            self.on_taken(n)

    def __iter__(self) -> Inbox:
        return self

    def __next__(self) -> Any:
        if self._ended:
            raise StopIteration
        with self._cond:
            while True:
                try:
                    got, value = self._take()
                    break
                except LookupError:
                    self._cond.wait()
        if not got:
            raise StopIteration
        self._after_take()
        return value

    def __aiter__(self) -> Inbox:
        return self

    async def __anext__(self) -> Any:
        if self._ended:
            raise StopAsyncIteration
        while True:
            with self._cond:
                try:
                    got, value = self._take()
                    break
                except LookupError:
                    self._loop = asyncio.get_running_loop()
                    self._waiter = self._loop.create_future()
                    waiter = self._waiter
            await waiter
        if not got:
            raise StopAsyncIteration
        self._after_take()
        return value


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


def cancelled() -> Cancelled:
    return Cancelled("the call ended; its stream parameter has no more items")
