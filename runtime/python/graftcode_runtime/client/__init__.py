"""Clients of a gateway: the blocking `Client` and the trio `AsyncClient`, their dynamic
remote-object proxies, and `connect`/`connect_async`."""

from ._callspec import CallKind, CallSpec
from ._connect import connect, connect_async
from ._remote import AsyncRemoteObject, RemoteObject
from ._sync import Client
from ._trio import AsyncClient

__all__ = [
    "AsyncClient",
    "AsyncRemoteObject",
    "CallKind",
    "CallSpec",
    "Client",
    "RemoteObject",
    "connect",
    "connect_async",
]
