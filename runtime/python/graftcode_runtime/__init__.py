"""graftcode runtime: the UGM, the Hypertube protocol and its adapters, clients and the gateway.

The public API, for programs that call a hosted module:

    from graftcode_runtime import connect
    with connect("tcp://127.0.0.1:7470") as client:
        client.call("add", 1, 2)                    # a function of the module
        with client.new("Cart", "ann") as cart:     # a remote instance, released on exit
            cart.call("add", "B-1", quantity=2)
            cart.get("total")

and for trio programs `async with connect_async(url) as client: await client.call(...)`.
Generated clients use the low-level `Client.invoke(CallSpec(...))`. Hosted code reads the
caller's metadata with `graftcode_runtime.context.current()`.

Names are imported lazily, so importing `graftcode_runtime.ugm` (as the compiler does) does not
pay for trio, sockets and msgpack.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from . import context
    from ._callspec import CallKind, CallSpec
    from ._connect import connect, connect_async
    from ._errors import (
        Cancelled,
        ConnectionLost,
        DeadlineExceeded,
        GraftError,
        ProtocolError,
        RemoteError,
        StatusCode,
    )
    from ._events import InstanceRef
    from ._remote import AsyncRemoteObject, RemoteObject
    from ._sync_client import Client
    from ._trio_client import AsyncClient
    from ._url import Endpoint, InvalidURL, parse_url
    from ._values import ValueCodec
    from .context import RequestContext

_LAZY: dict[str, str] = {
    "CallKind": "._callspec",
    "CallSpec": "._callspec",
    "connect": "._connect",
    "connect_async": "._connect",
    "Cancelled": "._errors",
    "ConnectionLost": "._errors",
    "DeadlineExceeded": "._errors",
    "GraftError": "._errors",
    "ProtocolError": "._errors",
    "RemoteError": "._errors",
    "StatusCode": "._errors",
    "AsyncRemoteObject": "._remote",
    "RemoteObject": "._remote",
    "Client": "._sync_client",
    "AsyncClient": "._trio_client",
    "Endpoint": "._url",
    "InstanceRef": "._events",
    "InvalidURL": "._url",
    "parse_url": "._url",
    "ValueCodec": "._values",
    "RequestContext": ".context",
}

__all__ = [
    "AsyncClient",
    "AsyncRemoteObject",
    "CallKind",
    "CallSpec",
    "Cancelled",
    "Client",
    "ConnectionLost",
    "DeadlineExceeded",
    "Endpoint",
    "GraftError",
    "InstanceRef",
    "InvalidURL",
    "ProtocolError",
    "RemoteError",
    "RemoteObject",
    "RequestContext",
    "StatusCode",
    "ValueCodec",
    "connect",
    "connect_async",
    "context",
    "parse_url",
]


def __getattr__(name: str) -> Any:
    if name == "context":
        return importlib.import_module(".context", __name__)
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'graftcode_runtime' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
