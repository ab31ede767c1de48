"""`connect(url)` and `connect_async(url)`: open a client for a gateway URL.

Each client gets an opener, a function that opens one transport to the URL; the client calls
it for its first connection and again for every reconnect, always within a time budget (the
call's remaining deadline or `connect_timeout`, whichever is sooner).
"""

from __future__ import annotations

import math
import ssl
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any

import trio

from ..protocol._errors import ConnectionLost
from ..protocol._limits import Limits
from ..transport._blocking import (
    SocketTransport,
    SyncTransport,
    WebSocketTransport,
    connect_socket,
)
from ..transport._malloc import keep_large_allocations
from ..transport._trio import StreamWire, WebSocketRefused, Wire, open_websocket
from ..transport._url import Endpoint, parse_url
from ._base import Auth, OnConnect
from ._sync import Client
from ._trio import AsyncClient


def _ssl_context(ep: Endpoint, given: ssl.SSLContext | None) -> ssl.SSLContext | None:
    if not ep.tls:
        return None
    return given or ssl.create_default_context()


def _host_header(ep: Endpoint) -> str:
    host = f"[{ep.host}]" if ":" in ep.host else ep.host
    return f"{host}:{ep.port}"


def connect(
    url: str,
    *,
    module: str = "",
    timeout: float | None = None,
    metadata: Mapping[str, str] | None = None,
    connect_timeout: float | None = 10.0,
    ssl_context: ssl.SSLContext | None = None,
    server_hostname: str | None = None,
    origin: str | None = None,
    max_message_size: int | None = None,
    auth: Auth = None,
    lazy: bool = False,
    on_connect: OnConnect | None = None,
) -> Client:
    """Open a blocking client. `module` picks one module on a gateway hosting several;
    `timeout` and `metadata` are defaults for every call (each call can override them).
    `lazy` defers connecting to the first call (whose deadline then bounds it too);
    `on_connect(client)` runs after every handshake, the first and each reconnect's."""
    ep, settings = _settings(
        url, module, max_message_size, metadata=metadata, timeout=timeout, auth=auth,
        connect_timeout=connect_timeout, on_connect=on_connect,
    )  # fmt: skip
    opener = _sync_opener(ep, ssl_context, server_hostname, origin, settings["limits"])
    return Client(opener, lazy=lazy, **settings)


def _settings(
    url: str, module: str, max_message_size: int | None, **given: Any
) -> tuple[Endpoint, dict[str, Any]]:
    """The endpoint, and the settings of either kind of client (`ClientBase`'s)."""
    keep_large_allocations()  # large messages without page faults per call (_malloc.py)
    ep = parse_url(url)
    if ep.transport == "inmemory":
        from ..transport._inmemory import hosted_module

        module = hosted_module(ep.module).module.name  # the spec may be a file path
    limits = Limits(max_message_size=max_message_size) if max_message_size else Limits()
    return ep, {**given, "url": ep.url, "module": module, "limits": limits}


def _sync_opener(
    ep: Endpoint,
    ssl_context: ssl.SSLContext | None,
    server_hostname: str | None,
    origin: str | None,
    limits: Limits,
) -> Callable[[float | None], SyncTransport]:
    def open_transport(budget: float | None) -> SyncTransport:
        """Socket, TLS and WebSocket upgrade within `budget` seconds (TimeoutError after)."""
        if ep.transport == "inmemory":
            from ..transport._inmemory import open_inmemory_transport

            return open_inmemory_transport(ep.module)
        sock, left = connect_socket(
            ep.host,
            ep.port,
            timeout=budget,
            ssl_context=_ssl_context(ep, ssl_context),
            server_hostname=server_hostname,
        )
        if ep.transport != "ws":
            return SocketTransport(sock)
        try:
            return WebSocketTransport(
                sock,
                _host_header(ep),
                ep.path,
                origin=origin,
                timeout=left,
                max_message_size=limits.max_message_size,
            )
        except BaseException:
            sock.close()
            raise

    return open_transport


@asynccontextmanager
async def connect_async(
    url: str,
    *,
    module: str = "",
    timeout: float | None = None,
    metadata: Mapping[str, str] | None = None,
    connect_timeout: float | None = 10.0,
    ssl_context: ssl.SSLContext | None = None,
    server_hostname: str | None = None,
    origin: str | None = None,
    max_message_size: int | None = None,
    auth: Auth = None,
    on_connect: OnConnect | None = None,
) -> AsyncIterator[AsyncClient]:
    """`async with connect_async(url) as client:` (trio). The connection's reader task lives in
    the context, and so do the readers of the connections a reconnect opens; leaving it closes
    them and releases their remote instances."""
    ep, settings = _settings(
        url, module, max_message_size, metadata=metadata, timeout=timeout, auth=auth,
        connect_timeout=connect_timeout, on_connect=on_connect,
    )  # fmt: skip
    limits = settings["limits"]
    async with trio.open_nursery() as nursery:

        async def open_wire() -> Wire:
            if ep.transport == "inmemory":
                from ..transport._inmemory import open_inmemory_wire

                return await open_inmemory_wire(ep.module, nursery)
            return await _open_wire(ep, ssl_context, server_hostname, origin, limits)

        client = AsyncClient(open_wire, nursery, **settings)
        try:
            await client._start()
            yield client
        finally:
            with trio.CancelScope(shield=True):
                await client.aclose()
            nursery.cancel_scope.cancel()


async def _open_wire(
    ep: Endpoint,
    ssl_context: ssl.SSLContext | None,
    server_hostname: str | None,
    origin: str | None,
    limits: Limits,
) -> Wire:
    """TCP, TLS and the WebSocket upgrade; the caller's cancel scope bounds the time."""
    try:
        stream: trio.abc.Stream = await trio.open_tcp_stream(ep.host, ep.port)
    except OSError as e:
        raise ConnectionLost(f"cannot connect to {ep.url}: {e}") from None
    try:
        assert isinstance(stream, trio.SocketStream)
        stream.setsockopt(trio.socket.IPPROTO_TCP, trio.socket.TCP_NODELAY, 1)
        ctx = _ssl_context(ep, ssl_context)
        if ctx is not None:
            tls = trio.SSLStream(stream, ctx, server_hostname=server_hostname or ep.host)
            await tls.do_handshake()
            stream = tls
        if ep.transport == "ws":
            return await open_websocket(
                stream,
                _host_header(ep),
                ep.path,
                ep.url,
                origin=origin,
                timeout=math.inf,
                max_message_size=limits.max_message_size,
            )
        return StreamWire(stream, ep.url)
    except BaseException as e:
        await trio.aclose_forcefully(stream)  # a refused, failed or timed-out upgrade
        if isinstance(e, WebSocketRefused):
            raise ConnectionLost(f"{ep.url}: {e}") from None
        if isinstance(e, OSError | trio.BrokenResourceError):
            raise ConnectionLost(f"cannot connect to {ep.url}: {e}") from None
        raise
