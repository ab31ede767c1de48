"""The gateway: listeners (TCP, WebSocket, HTTP, optionally inside TLS), one session per
connection, graceful shutdown."""

from __future__ import annotations

import logging
import signal
import ssl
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

import trio

from .. import ugm
from ..transport._trio import StreamWire, WebSocketRefused, Wire, accept_websocket
from ._asyncio_bridge import AsyncioBridge
from ._auth import Authenticator
from ._config import GatewayConfig
from ._dispatch import Dispatcher
from ._hosting import HostedModule
from ._http import serve_http
from ._listeners import open_listeners
from ._log import event
from ._mcp import McpEndpoint
from ._metrics import CONTENT_TYPE, Metrics
from ._routes import HttpRequest, HttpResponse, HttpRoute
from ._thread_engine import close_engine, engine_for, threaded_tcp_enabled
from ._trio_driver import TrioSession
from ._workers import WorkerPool

Address = tuple[str, int]
_BUSY = (
    b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain\r\ncontent-length: 32\r\n"
    b"connection: close\r\n\r\ntoo many connections, try again\n"
)
log = logging.getLogger("graftcode.gateway")


class SessionDriver(Protocol):
    """What the gateway asks of every connection's driver (trio, threads): its load, and the
    two steps of a drain."""

    @property
    def calls_in_flight(self) -> int: ...

    async def go_away(self) -> None: ...

    async def close(self) -> None: ...


@dataclass(frozen=True)
class Listener:
    kind: str  # "tcp", "ws", "http" or "vision"
    url: str
    host: str
    port: int


class Gateway:
    """Hosts modules; serve it on listeners with `serve()`, or hand it streams directly
    (`handle_wire`) as the in-memory transport does. It is the host every session policy asks
    for its configuration, its modules and whether it is draining (`_policy.Host`)."""

    def __init__(
        self,
        hosted: Sequence[HostedModule],
        config: GatewayConfig | None = None,
        *,
        routes: Sequence[HttpRoute] = (),
        open_routes: Sequence[HttpRoute] = (),
    ) -> None:
        """`open_routes` are served without auth on the `vision` listener (development only)."""
        if not hosted:
            raise ValueError("a gateway hosts at least one module")
        self.hosted = {h.name: h for h in hosted}
        self.config = config or GatewayConfig()
        self.auth = Authenticator(self.config)
        self.routes: list[HttpRoute] = [
            HttpRoute("/status", self._status),
            *([HttpRoute("/ugm", self._ugm)] if self.config.expose_ugm else []),
            HttpRoute("/metrics", self._metrics),
            *([self._mcp_route()] if self.config.mcp else []),
            *routes,
        ]
        self.open_routes = list(open_routes)
        self.metrics = Metrics()
        self.workers = WorkerPool(self.config.max_workers)
        self.bridge = AsyncioBridge()
        self.sessions: set[SessionDriver] = set()
        self._dispatchers: dict[str, Dispatcher] = {}
        self._http_open = 0
        self.listeners: list[Listener] = []
        self.started = time.time()
        self.draining = False
        self._stop = trio.Event()
        self._ssl: ssl.SSLContext | None = None
        if self.config.tls_cert and self.config.tls_key:
            ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ctx.load_cert_chain(self.config.tls_cert, self.config.tls_key)
            if self.config.tls_client_ca:
                ctx.verify_mode = ssl.CERT_OPTIONAL  # a client without one may still use a token
                ctx.load_verify_locations(self.config.tls_client_ca)
            self._ssl = ctx

    # ---------------------------------------------------------------- sessions

    def dispatcher(self, hosted: HostedModule) -> Dispatcher:
        """One per module, shared by every connection (resolved members are cached)."""
        d = self._dispatchers.get(hosted.name)
        if d is None:
            d = self._dispatchers[hosted.name] = Dispatcher(
                hosted, debug=self.config.debug, interceptors=self.config.interceptors
            )
        return d

    async def handle_wire(
        self, wire: Wire, transport: str, tls_cert: Mapping[str, object] | None = None
    ) -> None:
        session = TrioSession(self, wire, transport, tls_cert)
        self.sessions.add(session)
        try:
            await session.run()
        except Exception as e:  # one broken connection must never take the gateway down
            event("session_crashed", logging.ERROR, peer=wire.peer, error=repr(e))
            log.debug("session failure", exc_info=True)
        finally:
            self.sessions.discard(session)

    async def _handle_tcp(
        self, stream: trio.SocketStream | trio.SSLStream[trio.SocketStream]
    ) -> None:
        peer = _peer(stream, "tls" if self._ssl else "tcp")
        if isinstance(stream, trio.SSLStream):
            try:
                with trio.fail_after(self.config.handshake_timeout):
                    await stream.do_handshake()
            except (trio.BrokenResourceError, trio.TooSlowError) as e:
                event("tls_failed", logging.WARNING, peer=peer, error=repr(e))
                await trio.aclose_forcefully(stream)
                return
        elif threaded_tcp_enabled(self.config.tcp_engine):
            # plain TCP: served by threads with no hop per call (_thread_engine.py)
            await engine_for(self).serve_stream(stream, peer)
            return
        await self.handle_wire(StreamWire(stream, peer), "tcp", _client_cert(stream))

    async def _handle_ws(
        self, stream: trio.SocketStream | trio.SSLStream[trio.SocketStream]
    ) -> None:
        peer = _peer(stream, "wss" if self._ssl else "ws")
        try:
            wire = await accept_websocket(
                stream,
                peer,
                self.origin_allowed,
                self.config.max_message_size,
                self.config.handshake_timeout,
            )
        except (WebSocketRefused, trio.TooSlowError, trio.BrokenResourceError) as e:
            event("ws_refused", logging.WARNING, peer=peer, reason=str(e))
            await trio.aclose_forcefully(stream)
            return
        await self.handle_wire(wire, "ws", _client_cert(stream))

    async def _handle_http(
        self, stream: trio.SocketStream | trio.SSLStream[trio.SocketStream]
    ) -> None:
        await self._serve_http(stream, self.routes, self.auth)

    async def _handle_open_http(
        self, stream: trio.SocketStream | trio.SSLStream[trio.SocketStream]
    ) -> None:
        await self._serve_http(stream, self.open_routes, None)

    async def _serve_http(
        self,
        stream: trio.SocketStream | trio.SSLStream[trio.SocketStream],
        routes: Sequence[HttpRoute],
        auth: Authenticator | None,
    ) -> None:
        cfg = self.config
        if self._http_open >= cfg.max_http_connections:
            # too many open (maybe idle or slow) connections: refuse this one at once
            event("http_refused", logging.WARNING, peer=_peer(stream, "http"))
            with trio.move_on_after(1):
                try:
                    await stream.send_all(_BUSY)
                except (trio.BrokenResourceError, trio.ClosedResourceError):
                    pass
            await trio.aclose_forcefully(stream)
            return
        self._http_open += 1
        try:
            await serve_http(
                stream, routes, _peer(stream, "http"), timeout=cfg.handshake_timeout, auth=auth
            )
        finally:
            self._http_open -= 1

    def origin_allowed(self, origin: str | None, host: str) -> bool:
        """No Origin header (not a browser): allowed. Otherwise the origin must be listed with
        --allow-origin ('*' allows all), or, with no list, be on the same host as the gateway."""
        if origin is None:
            return True
        allowed = self.config.allow_origins
        if allowed:
            return "*" in allowed or origin.rstrip("/") in {o.rstrip("/") for o in allowed}
        origin_host = (urlsplit(origin).hostname or "").lower()
        request_host = (urlsplit("//" + host).hostname or "").lower()
        local = {"localhost", "127.0.0.1", "::1"}
        return origin_host == request_host or (origin_host in local and request_host in local)

    # ---------------------------------------------------------------- HTTP pages

    def _mcp_route(self) -> HttpRoute:
        endpoint = McpEndpoint(self, self.config.mcp_tools)
        return HttpRoute("/mcp", endpoint.handle, max_body=self.config.max_message_size)

    def _status(self, request: HttpRequest) -> HttpResponse:
        status = "draining" if self.draining else "serving"
        code = 503 if self.draining else 200
        if not request.authorized:  # a health check without the token: the state, no more
            return HttpResponse.json({"status": status, "ready": not self.draining}, code)
        return HttpResponse.json(
            {
                "status": status,
                "ready": not self.draining,
                "uptime_seconds": round(time.time() - self.started, 3),
                "connections": len(self.sessions),
                "modules": [
                    {"name": h.name, "version": h.module.version, "schema_hash": h.schema_hash}
                    for h in self.hosted.values()
                ],
                "listeners": [listener.url for listener in self.listeners],
            },
            status=503 if self.draining else 200,
        )

    def _metrics(self, request: HttpRequest) -> HttpResponse:
        body = self.metrics.render().encode()
        return HttpResponse(200, {"content-type": CONTENT_TYPE}, body)

    def _ugm(self, request: HttpRequest) -> HttpResponse:
        name = request.path[len("/ugm/") :] if request.path.startswith("/ugm/") else ""
        name = name or request.query.get("module", "")
        hosted = self.hosted.get(name) if name else next(iter(self.hosted.values()))
        if hosted is None:
            return HttpResponse.text(f"no module {name!r}\n", status=404)
        return HttpResponse(
            200, {"content-type": "application/json"}, ugm.dumps(hosted.module).encode()
        )

    # ---------------------------------------------------------------- serving

    async def serve(
        self,
        *,
        tcp: Address | None = None,
        ws: Address | None = None,
        http: Address | None = None,
        vision: Address | None = None,
        on_listen: Callable[[str], None] | None = None,
        reuse_port: bool = False,
        task_status: trio.TaskStatus[list[Listener]] = trio.TASK_STATUS_IGNORED,
    ) -> None:
        """Listen until `shutdown()` is called, then drain. Reports the bound listeners (with
        their real ports when port 0 was asked for) through `task_status` and `on_listen`.
        `vision` serves `open_routes` without auth, as `http://HOST:PORT/vision`. With
        `reuse_port` the listeners join the SO_REUSEPORT group of their port, where the kernel
        spreads connections over the gateway processes (`graftc serve --workers`)."""
        try:
            async with trio.open_nursery() as nursery:
                specs: list[tuple[str, Address, Callable[..., object]]] = []
                if tcp is not None:
                    specs.append(("tcp", tcp, self._handle_tcp))
                if ws is not None:
                    specs.append(("ws", ws, self._handle_ws))
                if http is not None:
                    specs.append(("http", http, self._handle_http))
                if vision is not None:
                    specs.append(("vision", vision, self._handle_open_http))
                accept_scopes: list[trio.CancelScope] = []
                bound: list[tuple[str, list[trio.SocketListener]]] = []
                for kind, (host, port), _ in specs:
                    bound.append((kind, await open_listeners(host, port, reuse_port=reuse_port)))
                for (kind, listeners), (_, _, handler) in zip(bound, specs, strict=True):
                    sock = listeners[0].socket
                    host, port = sock.getsockname()[:2]
                    url = self._url(kind, host, port)
                    self.listeners.append(Listener(kind, url, host, port))
                    serving: Sequence[trio.abc.Listener[trio.abc.Stream]] = listeners
                    if self._ssl is not None and kind in ("tcp", "ws"):
                        serving = [
                            trio.SSLListener(x, self._ssl, https_compatible=True) for x in listeners
                        ]
                    scope = trio.CancelScope()
                    if kind != "http":
                        # HTTP keeps accepting while draining, so /status can answer 503 and a
                        # load balancer or orchestrator sees "draining" instead of a refusal.
                        accept_scopes.append(scope)
                    nursery.start_soon(self._accept, serving, handler, scope, nursery)
                    event("listening", url=url)
                    if on_listen is not None:
                        on_listen(url)
                task_status.started(list(self.listeners))
                await self._stop.wait()
                for scope in accept_scopes:
                    scope.cancel()
                await self._drain()
                nursery.cancel_scope.cancel()
        finally:
            close_engine(self)
            self.bridge.close()
            self.workers.close()

    async def _accept(
        self,
        listeners: Sequence[trio.abc.Listener[trio.abc.Stream]],
        handler: Callable[..., object],
        scope: trio.CancelScope,
        sessions: trio.Nursery,
    ) -> None:
        # connections run in `sessions`, so they outlive the accept loop during a drain
        with scope:
            await trio.serve_listeners(handler, listeners, handler_nursery=sessions)  # type: ignore[arg-type]

    def _url(self, kind: str, host: str, port: int) -> str:
        shown = f"[{host}]" if ":" in host else host
        if kind == "tcp":
            return f"{'tls' if self._ssl else 'tcp'}://{shown}:{port}"
        if kind == "ws":
            return f"{'wss' if self._ssl else 'ws'}://{shown}:{port}/"
        return f"http://{shown}:{port}/" + ("vision" if kind == "vision" else "")

    def shutdown(self) -> None:
        """Stop accepting and drain (safe to call more than once, from the trio thread)."""
        self._stop.set()

    async def _drain(self) -> None:
        """Every session stops taking calls and sends goaway; calls in flight get the grace
        period; whatever is left is cancelled and its caller told so."""
        self.draining = True
        event("draining", sessions=len(self.sessions), grace=self.config.grace_period)
        async with trio.open_nursery() as nursery:
            for session in list(self.sessions):
                nursery.start_soon(session.go_away)
        with trio.move_on_after(self.config.grace_period):
            while any(s.calls_in_flight for s in self.sessions):
                await trio.sleep(0.02)
        async with trio.open_nursery() as nursery:
            for session in list(self.sessions):
                nursery.start_soon(session.close)
        event("stopped")


def _client_cert(stream: trio.abc.Stream) -> Mapping[str, object] | None:
    """The certificate a TLS client presented and the gateway verified (`tls_client_ca`)."""
    if not isinstance(stream, trio.SSLStream):
        return None
    try:
        return stream.getpeercert() or None
    except (ValueError, trio.BrokenResourceError):  # no handshake (yet): no certificate
        return None


def _peer(stream: trio.abc.Stream, scheme: str) -> str:
    inner = stream.transport_stream if isinstance(stream, trio.SSLStream) else stream
    try:
        addr = getattr(inner, "socket").getpeername()  # noqa: B009 - any socket-backed stream
        host = f"[{addr[0]}]" if ":" in addr[0] else addr[0]
        return f"{scheme}://{host}:{addr[1]}"
    except (AttributeError, OSError):
        return f"{scheme}://?"


def run_gateway(
    hosted: Sequence[HostedModule],
    config: GatewayConfig,
    *,
    tcp: Address | None = None,
    ws: Address | None = None,
    http: Address | None = None,
    vision: Address | None = None,
    routes: Sequence[HttpRoute] = (),
    open_routes: Sequence[HttpRoute] = (),
    on_listen: Callable[[str], None] | None = None,
    reuse_port: bool = False,
) -> None:
    """Run a gateway in this thread until SIGTERM or SIGINT, then shut down gracefully; SIGHUP
    reloads `config.auth_tokens_file`."""
    logging.basicConfig(
        level=logging.DEBUG if config.debug else logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s graftcode %(message)s",
    )
    gateway = Gateway(hosted, config, routes=routes, open_routes=open_routes)

    async def main() -> None:
        async with trio.open_nursery() as nursery:
            with trio.open_signal_receiver(signal.SIGTERM, signal.SIGINT, signal.SIGHUP) as signals:

                async def watch() -> None:
                    async for signum in signals:
                        event("signal", name=signal.Signals(signum).name)
                        if signum == signal.SIGHUP:  # reload the token file, keep serving
                            if gateway.auth.path is not None:
                                gateway.auth.reload()
                            continue
                        gateway.shutdown()
                        return

                nursery.start_soon(watch)
                await gateway.serve(
                    tcp=tcp,
                    ws=ws,
                    http=http,
                    vision=vision,
                    on_listen=on_listen,
                    reuse_port=reuse_port,
                )
                nursery.cancel_scope.cancel()

    try:
        trio.run(main)
    except BaseExceptionGroup as group:
        # trio wraps task errors in groups; a listener that cannot bind is the user's problem
        # (port in use, bad address) and must surface as the plain OSError it is
        oserror = _first_oserror(group)
        if oserror is not None:
            raise oserror from None
        raise


def _first_oserror(group: BaseExceptionGroup[BaseException]) -> OSError | None:
    for exc in group.exceptions:
        if isinstance(exc, OSError):
            return exc
        if isinstance(exc, BaseExceptionGroup):
            found = _first_oserror(exc)
            if found is not None:
                return found
    return None
