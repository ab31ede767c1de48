"""The graftcode gateway: hosts Python modules and executes calls that arrive over TCP,
WebSocket or in memory, plus an HTTP listener for status pages and registered routes.

    from graftcode_runtime.gateway import Gateway, GatewayConfig, load_modules
    hosted = load_modules(["calculator"])
    run_gateway(hosted, GatewayConfig(), tcp=("127.0.0.1", 0))

It never imports the compiler; `graftc serve` adds compiler-backed pages with `HttpRoute`.
"""

from ..context import Identity
from ._auth import AuthHook, Credentials, Peer, Refuse, TokenFileError, parse_token_file
from ._config import (
    DEFAULT_HTTP_PORT,
    DEFAULT_TCP_PORT,
    DEFAULT_WS_PORT,
    GatewayConfig,
    parse_listen_address,
)
from ._hosting import HostedModule, LoadError, host_module, load_modules
from ._interceptors import ServerCall, ServerInterceptor, load_interceptor
from ._routes import HttpHandler, HttpRequest, HttpResponse, HttpRoute
from ._server import Gateway, Listener, run_gateway

__all__ = [
    "DEFAULT_HTTP_PORT",
    "DEFAULT_TCP_PORT",
    "DEFAULT_WS_PORT",
    "AuthHook",
    "Credentials",
    "Gateway",
    "GatewayConfig",
    "HostedModule",
    "HttpHandler",
    "HttpRequest",
    "HttpResponse",
    "HttpRoute",
    "Identity",
    "Listener",
    "LoadError",
    "Peer",
    "Refuse",
    "ServerCall",
    "ServerInterceptor",
    "TokenFileError",
    "host_module",
    "load_interceptor",
    "load_modules",
    "parse_listen_address",
    "parse_token_file",
    "run_gateway",
]
