"""Base classes of generated class proxies: one remote instance each, released on close or GC.

A proxy's id is bound to the connection that created the instance (`InstanceId`): after that
connection is lost, the client refuses calls through the proxy with FAILED_PRECONDITION, and
passing it as an argument fails the same way, instead of reaching another connection's object.
"""

from __future__ import annotations

import weakref
from typing import Any, Generic, Self, TypeVar

from ..client._call_table import check_alive
from ..protocol import RemoteError, StatusCode
from ._channel import AsyncChannel, Channel

C = TypeVar("C", Channel, AsyncChannel)


class _ProxyBase(Generic[C]):
    __slots__ = ("__weakref__", "_ch", "_finalizer", "_id", "_ref")

    _ch: C
    _id: int
    _ref: object
    _finalizer: weakref.finalize[Any, Any]

    def _attach(self, ch: C, ref: object) -> None:
        self._ch = ch
        self._id = ch.instance_id(ref)
        self._ref = ref
        self._finalizer = weakref.finalize(self, ch.release_later, self._id)

    @classmethod
    def _from_wire(cls, ch: C, ref: object) -> Self:
        self = cls.__new__(cls)
        self._attach(ch, ref)
        return self

    def _to_wire(self) -> object:
        # a released instance, or one of a lost connection, cannot be passed on
        check_alive(self._live_id(), type(self).__name__)
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
    def channel(self) -> C:
        return self._ch

    def __repr__(self) -> str:
        return f"<{type(self).__name__} remote instance {self._id!r}>"


class Proxy(_ProxyBase[Channel]):
    """A blocking proxy. `close()` or `with` releases the remote instance; so does garbage
    collection, on the channel's next call (a finalizer must not do network I/O)."""

    __slots__ = ()

    def close(self) -> None:
        """Release the remote instance now (idempotent)."""
        if self._finalizer.detach() is not None:
            self._ch.release(self._id)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncProxy(_ProxyBase[AsyncChannel]):
    """An async proxy. `await aclose()` or `async with` releases the remote instance; garbage
    collection releases it on the channel's next call."""

    __slots__ = ()

    async def aclose(self) -> None:
        """Release the remote instance now (idempotent)."""
        if self._finalizer.detach() is not None:
            await self._ch.release(self._id)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
