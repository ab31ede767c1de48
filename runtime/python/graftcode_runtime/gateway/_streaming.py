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
from collections.abc import AsyncIterator, Coroutine, Iterator
from typing import Any

from .. import ugm

END = object()
"""What a step returns when the producer is exhausted (StopIteration is no value to pass on)."""


async def _anext(producer: AsyncIterator[Any]) -> Any:
    try:
        return await producer.__anext__()
    except StopAsyncIteration:
        return END


class ServerStream:
    """`stepping`: a step was handed to the driver and has not come back; `finished`: the
    producer ended by itself (exhausted or raised), so there is nothing to close."""

    __slots__ = ("closed", "finished", "is_async", "item", "producer", "sent", "stepping")

    def __init__(self, item: ugm.TypeRef) -> None:
        self.item = item
        self.producer: Iterator[Any] | AsyncIterator[Any] | None = None
        self.is_async = False
        self.stepping = False
        self.finished = False
        self.closed = False
        self.sent = 0  # items sent, for messages

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
        """The next item, END, or a coroutine giving one of those (async producers)."""
        producer = self.producer
        if self.is_async:
            return _anext(producer)  # type: ignore[arg-type]
        try:
            return ctx.run(next, producer)  # type: ignore[arg-type]
        except StopIteration:
            return END

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
        result = close()
        return result if self.is_async else None
