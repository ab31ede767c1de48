"""Remote-object proxies and result/error helpers shared by the sync and trio clients."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ._callspec import CallSpec
from ._errors import RemoteError, StatusCode
from ._events import InstanceRef

if TYPE_CHECKING:
    from ._sync_client import Client
    from ._trio_client import AsyncClient


def wrap_result(client: Client, value: Any) -> Any:
    """Instance references anywhere in a result become `RemoteObject` proxies."""
    if isinstance(value, InstanceRef):
        return RemoteObject(client, value.class_name, value.id)
    if isinstance(value, list):
        return [wrap_result(client, v) for v in value]
    if isinstance(value, dict):
        return {k: wrap_result(client, v) for k, v in value.items()}
    return value


def wrap_result_async(client: AsyncClient, value: Any) -> Any:
    if isinstance(value, InstanceRef):
        return AsyncRemoteObject(client, value.class_name, value.id)
    if isinstance(value, list):
        return [wrap_result_async(client, v) for v in value]
    if isinstance(value, dict):
        return {k: wrap_result_async(client, v) for k, v in value.items()}
    return value


def unwrap_args(
    args: tuple[Any, ...], kwargs: Mapping[str, Any]
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """Proxies passed back as arguments travel as their instance references."""
    return tuple(_unwrap(a) for a in args), {k: _unwrap(v) for k, v in kwargs.items()}


def _unwrap(value: Any) -> Any:
    if isinstance(value, RemoteObject | AsyncRemoteObject):
        return value.ref
    if isinstance(value, list | tuple):
        return [_unwrap(v) for v in value]
    if isinstance(value, dict):
        return {k: _unwrap(v) for k, v in value.items()}
    return value


class RemoteObject:
    """A class instance living in the gateway, owned by this connection.

    `obj.call("add", "B-1", 2)`, `obj.get("total")`, `obj.set("note", "gift")`,
    `obj.release()`; as a context manager it releases itself on exit.
    """

    def __init__(self, client: Client, class_name: str, instance_id: int) -> None:
        self.client = client
        self.class_name = class_name
        self.id = instance_id
        self.released = False

    @property
    def ref(self) -> InstanceRef:
        return InstanceRef(self.id, self.class_name)

    def _spec(
        self, kind: Any, member: str, args: tuple[Any, ...], kwargs: Mapping[str, Any]
    ) -> CallSpec:
        if self.released:
            raise RemoteError(StatusCode.FAILED_PRECONDITION, f"{self!r} was released")
        a, k = unwrap_args(args, kwargs)
        return CallSpec(kind, self.class_name, member, a, k, self.id)

    def call(self, method: str, /, *args: Any, **kwargs: Any) -> Any:
        return wrap_result(
            self.client, self.client.invoke(self._spec("call", method, args, kwargs))
        )

    def get(self, prop: str) -> Any:
        return wrap_result(self.client, self.client.invoke(self._spec("get", prop, (), {})))

    def set(self, prop: str, value: Any) -> None:
        self.client.invoke(self._spec("set", prop, (value,), {}))

    def release(self) -> None:
        if not self.released:
            self.released = True
            self.client.release(self.id)

    def __enter__(self) -> RemoteObject:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def __repr__(self) -> str:
        return f"<remote {self.class_name} #{self.id}>"


class AsyncRemoteObject:
    """The trio twin of `RemoteObject`: every operation is awaited; `async with` releases."""

    def __init__(self, client: AsyncClient, class_name: str, instance_id: int) -> None:
        self.client = client
        self.class_name = class_name
        self.id = instance_id
        self.released = False

    @property
    def ref(self) -> InstanceRef:
        return InstanceRef(self.id, self.class_name)

    def _spec(
        self, kind: Any, member: str, args: tuple[Any, ...], kwargs: Mapping[str, Any]
    ) -> CallSpec:
        if self.released:
            raise RemoteError(StatusCode.FAILED_PRECONDITION, f"{self!r} was released")
        a, k = unwrap_args(args, kwargs)
        return CallSpec(kind, self.class_name, member, a, k, self.id)

    async def call(self, method: str, /, *args: Any, **kwargs: Any) -> Any:
        return wrap_result_async(
            self.client, await self.client.invoke(self._spec("call", method, args, kwargs))
        )

    async def get(self, prop: str) -> Any:
        return wrap_result_async(
            self.client, await self.client.invoke(self._spec("get", prop, (), {}))
        )

    async def set(self, prop: str, value: Any) -> None:
        await self.client.invoke(self._spec("set", prop, (value,), {}))

    async def release(self) -> None:
        if not self.released:
            self.released = True
            await self.client.release(self.id)

    async def __aenter__(self) -> AsyncRemoteObject:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.release()

    def __repr__(self) -> str:
        return f"<remote {self.class_name} #{self.id}>"
