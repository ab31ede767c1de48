"""The dynamic client's remote-object proxies, shared by the sync and trio clients."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..protocol._errors import RemoteError, StatusCode
from ..protocol._events import InstanceRef
from ._call_table import CallTable, check_alive
from ._callspec import CallSpec
from ._instance_id import InstanceId

if TYPE_CHECKING:
    from ._sync import Client
    from ._trio import AsyncClient


def unwrap_args(
    args: tuple[Any, ...], kwargs: Mapping[str, Any]
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """Proxies passed back as arguments travel as their instance references."""
    return tuple(_unwrap(a) for a in args), {k: _unwrap(v) for k, v in kwargs.items()}


def _unwrap(value: Any) -> Any:
    if isinstance(value, _Remote):
        check_alive(value.id, value.class_name)  # its id means nothing on another connection
        return value.ref
    if isinstance(value, list | tuple):
        return [_unwrap(v) for v in value]
    if isinstance(value, dict):
        return {k: _unwrap(v) for k, v in value.items()}
    return value


class ProxyTable:
    """One live proxy per instance id of one connection (docs/protocol.md 6.5). A collected
    proxy's release is queued on that connection's call table, which sends it in one RELEASE
    before its next call."""

    def __init__(self, client: Any, table: CallTable) -> None:
        self._client = weakref.ref(client)
        self._table = table
        self._live: weakref.WeakValueDictionary[int, Any] = weakref.WeakValueDictionary()
        self._finalizers: dict[int, weakref.finalize[Any, Any]] = {}
        self._lock = threading.Lock()

    def get(self, ref: InstanceRef, factory: Any) -> Any:
        with self._lock:
            proxy = self._live.get(ref.id)
            if proxy is None:
                proxy = factory(self._client(), ref.class_name, self._table.bind(ref))
                self._live[ref.id] = proxy
                self._finalizers[ref.id] = weakref.finalize(proxy, self._collected, ref.id)
            return proxy

    def _collected(self, instance_id: int) -> None:
        self._finalizers.pop(instance_id, None)
        self._table.queue_release(instance_id)

    def forget(self, proxy: Any) -> None:
        """An explicit release: the finalizer must not release the id a second time."""
        with self._lock:
            self._live.pop(proxy.id, None)
            fin = self._finalizers.pop(proxy.id, None)
        if fin is not None:
            fin.detach()


class _Remote:
    """What both proxy kinds share: the instance, its class and whether it was released."""

    def __init__(self, client: Any, class_name: str, instance_id: int) -> None:
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

    def _release(self) -> bool:
        """Mark released; True if the gateway still holds it for us and must be told."""
        if self.released:
            return False
        self.released = True
        if type(self.id) is InstanceId:
            table = self.id.table
            if table.proxies is not None:
                table.proxies.forget(self)
            return table.open
        return True

    def __repr__(self) -> str:
        return f"<remote {self.class_name} #{self.id}>"


class RemoteObject(_Remote):
    """A class instance living in the gateway, owned by the connection that created it.

    `obj.call("add", "B-1", 2)`, `obj.get("total")`, `obj.set("note", "gift")`,
    `obj.release()`; as a context manager it releases itself on exit. After its connection is
    lost (the client reconnects for other calls) it refuses calls with FAILED_PRECONDITION.
    """

    client: Client

    def call(self, method: str, /, *args: Any, **kwargs: Any) -> Any:
        return self.client._wrap(self.client.invoke(self._spec("call", method, args, kwargs)))

    def get(self, prop: str) -> Any:
        return self.client._wrap(self.client.invoke(self._spec("get", prop, (), {})))

    def set(self, prop: str, value: Any) -> None:
        self.client.invoke(self._spec("set", prop, (value,), {}))

    def release(self) -> None:
        if self._release():
            self.client.release(self.id)

    def __enter__(self) -> RemoteObject:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


class AsyncRemoteObject(_Remote):
    """The trio twin of `RemoteObject`: every operation is awaited; `async with` releases."""

    client: AsyncClient

    async def call(self, method: str, /, *args: Any, **kwargs: Any) -> Any:
        spec = self._spec("call", method, args, kwargs)
        return self.client._wrap(await self.client.invoke(spec))

    async def get(self, prop: str) -> Any:
        return self.client._wrap(await self.client.invoke(self._spec("get", prop, (), {})))

    async def set(self, prop: str, value: Any) -> None:
        await self.client.invoke(self._spec("set", prop, (value,), {}))

    async def release(self) -> None:
        if self._release():
            await self.client.release(self.id)

    async def __aenter__(self) -> AsyncRemoteObject:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.release()
