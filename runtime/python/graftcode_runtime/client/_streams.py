"""A streamed result as the caller sees it (docs/protocol.md 5.5): an iterator (`RemoteStream`,
blocking client) or an async iterator (`AsyncRemoteStream`, trio client) of wire values.

Both are thin: the call table holds the items and decides when to grant credit
(`CallTable.take_item`); these only wait for the next item and end the call when the caller
stops early. Closing one (`close()`, leaving a `with` block, `break` out of a `for` loop over
a temporary, garbage collection) cancels the call: the gateway closes its generator.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ..protocol._errors import Cancelled
from ._call_table import END, NOTHING

if TYPE_CHECKING:
    from ._sync import Client, _Link
    from ._trio import AsyncClient
    from ._trio_link import TrioLink as _TrioLink

T = TypeVar("T")
ErrorMap = Callable[[Exception], BaseException]
"""What a failure becomes for the caller (a generated package's declared exception)."""


def _mapped(errors: ErrorMap | None, e: Exception) -> BaseException:
    return e if errors is None else errors(e)


class RemoteStream(Iterator[T], Generic[T]):
    """The items of one streamed call, converted by `convert` (identity for wire values)."""

    def __init__(
        self,
        client: Client,
        link: _Link,
        key: int,
        deadline: float | None,
        convert: Callable[[Any], T] | None = None,
        errors: ErrorMap | None = None,
    ) -> None:
        self._client = client
        self._link = link
        self._key = key
        self._deadline = deadline
        self._convert = convert
        self._errors = errors
        self._done = False

    def __iter__(self) -> RemoteStream[T]:
        return self

    def __next__(self) -> T:
        try:
            return self._next()
        except StopIteration:
            raise
        except Exception as e:
            mapped = _mapped(self._errors, e)
            if mapped is e:
                raise
            raise mapped from e

    def _next(self) -> T:
        if self._done:
            raise StopIteration
        client, link, key = self._client, self._link, self._key
        table = link.table
        while True:
            try:
                value = table.take_item(key, client._now(self._deadline))
            except BaseException:
                self._done = True
                raise
            if value is NOTHING:
                try:
                    client._wait(key, self._deadline, link, stream=True)
                except BaseException as e:
                    self._done = True
                    raise client._abandon(link, key, e) from None
                continue
            if value is END:
                self._done = True
                raise StopIteration
            if table.outgoing:  # the credit the caller's reading earned
                with link.send_lock:
                    client._send(link, b"")
            return value if self._convert is None else self._convert(value)

    def close(self) -> None:
        """Stop the stream: the gateway closes its generator (its `finally` runs)."""
        if not self._done:
            self._done = True
            self._client._abandon(self._link, self._key, Cancelled("stream closed"))

    def __enter__(self) -> RemoteStream[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        if not getattr(self, "_done", True):
            self._done = True
            self._client._cancel_dropped(self._link, self._key)


class AsyncRemoteStream(AsyncIterator[T], Generic[T]):
    """The trio client's twin of `RemoteStream`: `async for`, `async with`, `aclose()`. The
    call starts on the first `__anext__` (`start` sends it), so a method returning one can be
    a plain function: `async for row in client.rows(3)`."""

    def __init__(
        self,
        client: AsyncClient,
        start: Callable[[], Awaitable[tuple[_TrioLink, int, float | None]]],
        convert: Callable[[Any], T] | None = None,
        errors: ErrorMap | None = None,
    ) -> None:
        self._client = client
        self._start: Callable[[], Awaitable[tuple[_TrioLink, int, float | None]]] | None = start
        self._link: _TrioLink | None = None
        self._key = 0
        self._deadline: float | None = None
        self._convert = convert
        self._errors = errors
        self._done = False

    def __aiter__(self) -> AsyncRemoteStream[T]:
        return self

    async def __anext__(self) -> T:
        if self._done:
            raise StopAsyncIteration
        try:
            if self._start is not None:
                start, self._start = self._start, None
                self._link, self._key, self._deadline = await start()
            assert self._link is not None
            value = await self._client._next_item(self._link, self._key, self._deadline)
        except Exception as e:
            self._done = True
            mapped = _mapped(self._errors, e)
            if mapped is e:
                raise
            raise mapped from e
        except BaseException:
            self._done = True
            raise
        if value is END:
            self._done = True
            raise StopAsyncIteration
        return value if self._convert is None else self._convert(value)

    async def aclose(self) -> None:
        """Stop the stream: the gateway closes its generator (its `finally` runs)."""
        if not self._done:
            self._done = True
            if self._link is not None:
                await self._client._give_up(self._link, self._key)

    async def __aenter__(self) -> AsyncRemoteStream[T]:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def __enter__(self) -> AsyncRemoteStream[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self._drop()

    def _drop(self) -> None:
        if not self._done:
            self._done = True
            if self._link is not None:
                self._client._cancel_dropped(self._link, self._key)

    def __del__(self) -> None:
        if not getattr(self, "_done", True):
            self._drop()
