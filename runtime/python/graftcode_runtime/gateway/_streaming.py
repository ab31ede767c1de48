"""The producer of one server-streaming call (docs/protocol.md 5.5): what a member returned
(a generator, an async generator, any iterable), stepped one item at a time.

The session policy owns the rules (credit, pausing, closing); this object only knows how to
take the next item and how to close the producer. A step is what a driver runs for a streaming
job after the member itself returned (`Job.start` hands over to `step`): a sync producer is
stepped with `next()` in the call's request context (on a worker thread: it may block), an
async one by a coroutine the driver runs on the asyncio bridge. `close()` runs the producer's
`finally` blocks: a value for a sync producer (already closed when it returns), a coroutine
for an async one (`aclose()`), to be run where its steps run.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import AsyncIterator, Coroutine, Iterator
from typing import Any

from .. import ugm

END = object()
"""What a step returns when the producer is exhausted (StopIteration is no value to pass on)."""
SKIPPED = object()
"""What a step returns when the call had ended before it began: nothing was stepped."""


async def _aclose(close: Any) -> None:
    await close()  # aclose() gives an awaitable that is no coroutine: tasks need one


async def _anext(producer: AsyncIterator[Any]) -> Any:
    try:
        return await producer.__anext__()
    except StopAsyncIteration:
        return END


class ServerStream:
    """`stepping`: a step was handed to the driver and has not come back; `finished`: the
    producer ended by itself (exhausted or raised), so there is nothing to close.

    Who closes a sync producer is decided under `lock`, because a driver may lose track of a
    step it started (a closing connection cancels what waits for a worker thread, which goes
    on): when the call ends (`end()`), the policy closes it unless a thread is inside `next()`
    right then; that thread then closes it as soon as `next()` returns."""

    __slots__ = (
        "closed",
        "ended",
        "finished",
        "in_step",
        "is_async",
        "item",
        "lock",
        "producer",
        "sent",
        "stepping",
    )

    def __init__(self, item: ugm.TypeRef) -> None:
        self.item = item
        self.producer: Iterator[Any] | AsyncIterator[Any] | None = None
        self.is_async = False
        self.stepping = False
        self.finished = False
        self.closed = False
        self.sent = 0  # items sent, for messages
        self.ended = False  # the call is over (answered or abandoned)
        self.in_step = False  # a thread is inside the sync producer's next()
        self.lock = threading.Lock()

    @property
    def started(self) -> bool:
        return self.producer is not None

    def begin(self, value: Any) -> None:
        """Take what the member returned as the producer; TypeError if it is not iterable."""
        if hasattr(value, "__aiter__"):
            self.producer = value.__aiter__()
            self.is_async = True
        else:
            self.producer = iter(value)

    def step(self, ctx: contextvars.Context) -> Any:
        """The next item, END, SKIPPED, or a coroutine giving one of those (async)."""
        producer = self.producer
        if self.is_async:
            return _anext(producer)  # type: ignore[arg-type]
        with self.lock:
            if self.ended:
                return SKIPPED
            self.in_step = True
        try:
            return ctx.run(next, producer)  # type: ignore[arg-type]
        except StopIteration:
            self.finished = True
            return END
        except BaseException:
            self.finished = True  # a generator that raised is over
            raise
        finally:
            with self.lock:
                self.in_step = False
                close = self.ended
            if close:  # the call ended while this step ran: its driver may be gone
                try:
                    self.close()
                except Exception:
                    pass

    def end(self) -> bool:
        """The call is over; True when the caller is to have the producer closed (no thread
        is stepping it: otherwise that thread closes it)."""
        with self.lock:
            self.ended = True
            busy = self.in_step
        if not self.is_async:
            return not busy and self.started and not self.finished
        return not self.stepping and self.started and not self.finished

    def close(self) -> Coroutine[Any, Any, Any] | None:
        """Close the producer once (its `finally` runs): None when done, or the coroutine of
        an async producer's `aclose()` to run on its loop. Never while a step runs."""
        if self.closed or self.finished or self.producer is None:
            return None
        self.closed = True
        producer = self.producer
        name = "aclose" if self.is_async else "close"
        close = getattr(producer, name, None)
        if close is None:
            return None
        if self.is_async:
            return _aclose(close)
        close()
        return None
