"""`connect(url)` and `connect_async(url)`: open a client for a gateway URL."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

import trio

from ..protocol._errors import ConnectionLost
from ..protocol._limits import Limits
from ..transport._blocking import SocketTransport, SyncTransport, WebSocketTransport, open_socket
from ..transport._malloc import keep_large_allocations
from ..transport._trio import StreamWire, WebSocketRefused, Wire, open_websocket
from ..transport._url import Endpoint, parse_url
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
    auth: str | bytes | None = None,
) -> Client:
    """Open a blocking client. `module` picks one module on a gateway hosting several;
    `timeout` and `metadata` are defaults for every call (each call can override them)."""
    keep_large_allocations()  # large messages without page faults per call (_malloc.py)
    ep = parse_url(url)
    limits = Limits(max_message_size=max_message_size) if max_message_size else Limits()
    transport: SyncTransport
    if ep.transport == "inmemory":
        from ..transport._inmemory import hosted_module, open_inmemory_transport

        transport = open_inmemory_transport(ep.module)
        module = hosted_module(ep.module).module.name  # the spec may be a file path
    else:
        sock = open_socket(
            ep.host,
            ep.port,
            connect_timeout=connect_timeout,
            ssl_context=_ssl_context(ep, ssl_context),
            server_hostname=server_hostname,
        )
        if ep.transport == "ws":
            try:
                transport = WebSocketTransport(
                    sock,
                    _host_header(ep),
                    ep.path,
                    origin=origin,
                    timeout=connect_timeout,
                    max_message_size=limits.max_message_size,
                )
            except TimeoutError:
                sock.close()
                raise ConnectionLost(f"{url}: no WebSocket handshake answer") from None
        else:
            transport = SocketTransport(sock)
    try:
        return Client(
            transport,
            module=module,
            url=ep.url,
            limits=limits,
            handshake_timeout=connect_timeout,
            metadata=metadata,
            timeout=timeout,
            auth=auth,
        )
    except BaseException:
        transport.close()
        raise


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
    auth: str | bytes | None = None,
) -> AsyncIterator[AsyncClient]:
    """`async with connect_async(url) as client:` (trio). The connection's reader task lives in
    the context; leaving it closes the connection and releases its remote instances."""
    keep_large_allocations()  # large messages without page faults per call (_malloc.py)
    ep = parse_url(url)
    limits = Limits(max_message_size=max_message_size) if max_message_size else Limits()
    async with trio.open_nursery() as nursery:
        wire: Wire
        if ep.transport == "inmemory":
            from ..transport._inmemory import hosted_module, open_inmemory_wire

            wire = await open_inmemory_wire(ep.module, nursery)
            module = hosted_module(ep.module).module.name  # the spec may be a file path
        else:
            wire = await _open_wire(
                ep, connect_timeout, ssl_context, server_hostname, origin, limits
            )
        client = AsyncClient(
            wire,
            module=module,
            url=ep.url,
            limits=limits,
            metadata=metadata,
            timeout=timeout,
            auth=auth,
        )
        try:
            await client._start(nursery, connect_timeout)
            yield client
        finally:
            with trio.CancelScope(shield=True):
                await client.aclose()
            nursery.cancel_scope.cancel()


async def _open_wire(
    ep: Endpoint,
    connect_timeout: float | None,
    ssl_context: ssl.SSLContext | None,
    server_hostname: str | None,
    origin: str | None,
    limits: Limits,
) -> Wire:
    peer = ep.url
    try:
        with trio.fail_after(connect_timeout if connect_timeout is not None else float("inf")):
            stream: trio.abc.Stream = await trio.open_tcp_stream(ep.host, ep.port)
            sock_stream = stream
            assert isinstance(sock_stream, trio.SocketStream)
            sock_stream.setsockopt(trio.socket.IPPROTO_TCP, trio.socket.TCP_NODELAY, 1)
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
                    peer,
                    origin=origin,
                    max_message_size=limits.max_message_size,
                )
            return StreamWire(stream, peer)
    except trio.TooSlowError:
        raise ConnectionLost(f"{ep.url}: connecting timed out") from None
    except WebSocketRefused as e:
        raise ConnectionLost(f"{ep.url}: {e}") from None
    except (OSError, trio.BrokenResourceError) as e:
        raise ConnectionLost(f"cannot connect to {ep.url}: {e}") from None
