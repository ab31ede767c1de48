"""What generated Python client packages are built on: their module binding (settings and
channels), the proxy base classes of remote instances, and checked reads of wire values.

    from graftcode_runtime.binding import ModuleBinding, Settings, Proxy, wire

Generated code imports only this package (and the errors of `graftcode_runtime`), so every
package stays small and a fix here reaches every package without regenerating it.
"""

from ..config import Settings, TLSSettings
from ..interceptors import CallContext, ClientInterceptor
from . import wire
from ._channel import AsyncChannel, Channel
from ._module import ModuleBinding
from ._proxy import AsyncProxy, Proxy
from .wire import WireError

__all__ = [
    "AsyncChannel",
    "AsyncProxy",
    "CallContext",
    "Channel",
    "ClientInterceptor",
    "ModuleBinding",
    "Proxy",
    "Settings",
    "TLSSettings",
    "WireError",
    "wire",
]
