"""Remote-object proxies and result/error helpers shared by the sync and trio clients."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..protocol._errors import RemoteError, StatusCode
from ..protocol._events import InstanceRef
from ._callspec import CallSpec

if TYPE_CHECKING:
    from ._sync import Client
    from ._trio import AsyncClient


def wrap_result(client: Client, value: Any) -> Any:
    """Instance references anywhere in a result become `RemoteObject` proxies."""
    if isinstance(value, InstanceRef):
        return client.proxies.get(value, RemoteObject)
    if isinstance(value, list):
        return [wrap_result(client, v) for v in value]
    if isinstance(value, dict):
        return {k: wrap_result(client, v) for k, v in value.items()}
    return value


def wrap_result_async(client: AsyncClient, value: Any) -> Any:
    if isinstance(value, InstanceRef):
        return client.proxies.get(value, AsyncRemoteObject)
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


class ProxyTable:
    """One live proxy per instance id (docs/protocol.md 6.5), and releases for proxies the
    garbage collector took: queued here (a finalizer must not do I/O) and sent in one RELEASE
    before the connection's next call."""

    def __init__(self) -> None:
        self._live: weakref.WeakValueDictionary[int, Any] = weakref.WeakValueDictionary()
        self._finalizers: dict[int, weakref.finalize[Any, Any]] = {}
        self._dropped: list[int] = []
        self._lock = threading.Lock()

    def get(self, ref: InstanceRef, factory: Any) -> Any:
        with self._lock:
            proxy = self._live.get(ref.id)
            if proxy is None:
                proxy = factory(self._client(), ref.class_name, ref.id)
                self._live[ref.id] = proxy
                self._finalizers[ref.id] = weakref.finalize(proxy, self._collected, ref.id)
            return proxy

    def bind(self, client: Any) -> ProxyTable:
        self._client_ref = weakref.ref(client)
        return self

    def _client(self) -> Any:
        return self._client_ref()

    def _collected(self, instance_id: int) -> None:
        with self._lock:
            self._finalizers.pop(instance_id, None)
            self._dropped.append(instance_id)

    def forget(self, proxy: Any) -> None:
        """An explicit release: the finalizer must not release the id a second time."""
        with self._lock:
            self._live.pop(proxy.id, None)
            fin = self._finalizers.pop(proxy.id, None)
        if fin is not None:
            fin.detach()

    def take_dropped(self) -> tuple[int, ...]:
        if not self._dropped:
            return ()
        with self._lock:
            out, self._dropped = tuple(self._dropped), []
        return out


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
            self.client.proxies.forget(self)
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
            self.client.proxies.forget(self)
            await self.client.release(self.id)

    async def __aenter__(self) -> AsyncRemoteObject:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.release()

    def __repr__(self) -> str:
        return f"<remote {self.class_name} #{self.id}>"
