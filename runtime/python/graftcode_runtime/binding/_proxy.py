"""Base classes of generated class proxies: one remote instance each, released on close or GC."""

from __future__ import annotations

import weakref
from typing import Self

from ..protocol import RemoteError, StatusCode
from ._channel import AsyncChannel, Channel


class Proxy:
    """A blocking proxy. `close()` or `with` releases the remote instance; so does garbage
    collection, on the channel's next call (a finalizer must not do network I/O)."""

    __slots__ = ("__weakref__", "_ch", "_finalizer", "_id", "_ref")

    _ch: Channel
    _id: int
    _ref: object
    _finalizer: weakref.finalize[[int], Proxy]

    def _attach(self, ch: Channel, ref: object) -> None:
        self._ch = ch
        self._id = ch.instance_id(ref)
        self._ref = ref
        self._finalizer = weakref.finalize(self, ch.release_later, self._id)

    @classmethod
    def _from_wire(cls, ch: Channel, ref: object) -> Self:
        self = cls.__new__(cls)
        self._attach(ch, ref)
        return self

    def _to_wire(self) -> object:
        self._live_id()  # a released instance cannot be passed on
        return self._ref

    def _live_id(self) -> int:
        if not self._finalizer.alive:
            raise RemoteError(StatusCode.FAILED_PRECONDITION, f"{self!r} was released")
        return self._id

    @property
    def instance_id(self) -> int:
        """The gateway's id of the remote instance."""
        return self._id

    @property
    def channel(self) -> Channel:
        return self._ch

    def close(self) -> None:
        """Release the remote instance now (idempotent)."""
        if self._finalizer.detach() is not None:
            self._ch.release(self._id)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} remote instance {self._id!r}>"


class AsyncProxy:
    """An async proxy. `await aclose()` or `async with` releases the remote instance; garbage
    collection releases it on the channel's next call."""

    __slots__ = ("__weakref__", "_ch", "_finalizer", "_id", "_ref")

    _ch: AsyncChannel
    _id: int
    _ref: object
    _finalizer: weakref.finalize[[int], AsyncProxy]

    def _attach(self, ch: AsyncChannel, ref: object) -> None:
        self._ch = ch
        self._id = ch.instance_id(ref)
        self._ref = ref
        self._finalizer = weakref.finalize(self, ch.release_later, self._id)

    @classmethod
    def _from_wire(cls, ch: AsyncChannel, ref: object) -> Self:
        self = cls.__new__(cls)
        self._attach(ch, ref)
        return self

    def _to_wire(self) -> object:
        self._live_id()  # a released instance cannot be passed on
        return self._ref

    def _live_id(self) -> int:
        if not self._finalizer.alive:
            raise RemoteError(StatusCode.FAILED_PRECONDITION, f"{self!r} was released")
        return self._id

    @property
    def instance_id(self) -> int:
        """The gateway's id of the remote instance."""
        return self._id

    @property
    def channel(self) -> AsyncChannel:
        return self._ch

    async def aclose(self) -> None:
        """Release the remote instance now (idempotent)."""
        if self._finalizer.detach() is not None:
            await self._ch.release(self._id)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} remote instance {self._id!r}>"
