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

from . import _mypyc

__version__ = "0.1.0"

# The mypyc-compiled hot modules, when built and asked for (GRAFTCODE_MYPYC=1): this
# must run before any of them is imported.
_mypyc.install()

if TYPE_CHECKING:
    from . import context
    from .client._callspec import CallKind, CallSpec
    from .client._connect import connect, connect_async
    from .client._remote import AsyncRemoteObject, RemoteObject
    from .client._streams import AsyncRemoteStream, RemoteStream
    from .client._sync import Client
    from .client._trio import AsyncClient
    from .context import RequestContext
    from .protocol._errors import (
        Cancelled,
        ConnectionLost,
        DeadlineExceeded,
        GraftError,
        ProtocolError,
        RemoteError,
        StatusCode,
    )
    from .protocol._events import InstanceRef
    from .retry import RetryPolicy, idempotent
    from .transport._url import Endpoint, InvalidURL, parse_url
    from .values._codec import ValueCodec

_LAZY: dict[str, str] = {
    "CallKind": ".client._callspec",
    "CallSpec": ".client._callspec",
    "connect": ".client._connect",
    "connect_async": ".client._connect",
    "Cancelled": ".protocol._errors",
    "ConnectionLost": ".protocol._errors",
    "DeadlineExceeded": ".protocol._errors",
    "GraftError": ".protocol._errors",
    "ProtocolError": ".protocol._errors",
    "RemoteError": ".protocol._errors",
    "StatusCode": ".protocol._errors",
    "AsyncRemoteObject": ".client._remote",
    "RemoteObject": ".client._remote",
    "AsyncRemoteStream": ".client._streams",
    "RemoteStream": ".client._streams",
    "Client": ".client._sync",
    "AsyncClient": ".client._trio",
    "Endpoint": ".transport._url",
    "InstanceRef": ".protocol._events",
    "InvalidURL": ".transport._url",
    "parse_url": ".transport._url",
    "ValueCodec": ".values._codec",
    "RequestContext": ".context",
    "RetryPolicy": ".retry",
    "idempotent": ".retry",
}

__all__ = [
    "AsyncClient",
    "AsyncRemoteObject",
    "AsyncRemoteStream",
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
    "RemoteStream",
    "RequestContext",
    "RetryPolicy",
    "StatusCode",
    "ValueCodec",
    "connect",
    "connect_async",
    "context",
    "idempotent",
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
