"""The `--http` listener: a small HTTP/1.1 server (h11 over trio) for status pages and the
routes registered through the hook. Request bodies are refused (413), except for a route that
declares a `max_body` (the MCP endpoint), up to that size and with a Content-Length: the listener
must not become a way to push unbounded data into the gateway.

Hostile peers: a whole request head (not each read) must arrive within the gateway's
`handshake_timeout`, and so must the next request on a kept-alive connection, so slowloris
peers are cut off. When the gateway requires auth tokens, every route answers 401 without one
(`Authorization: Bearer TOKEN`, or Basic with the token as password, which is how pip and npm
send credentials); only `/status` still answers, with nothing but the serving state, because
load balancers probe it without credentials."""

from __future__ import annotations

import base64
import binascii
import dataclasses
import inspect
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import cast
from urllib.parse import parse_qsl, urlsplit

import h11
import trio

from ..context import Identity
from ..protocol import StatusCode
from ._auth import Authenticator, Peer, Refuse
from ._routes import HttpRequest, HttpResponse, HttpRoute

log = logging.getLogger("graftcode.gateway")

_MAX_HEAD = 16 * 1024
_CHALLENGE = 'Bearer realm="graftcode", Basic realm="graftcode"'


def find_route(routes: Sequence[HttpRoute], path: str) -> HttpRoute | None:
    """The matching route with the longest prefix."""
    best: HttpRoute | None = None
    for r in routes:
        if r.matches(path) and (best is None or len(r.prefix) > len(best.prefix)):
            best = r
    return best


async def call_handler(route: HttpRoute, request: HttpRequest) -> HttpResponse:
    if inspect.iscoroutinefunction(route.handler):
        return await cast(Callable[[HttpRequest], Awaitable[HttpResponse]], route.handler)(request)
    result = await trio.to_thread.run_sync(route.handler, request)
    if inspect.isawaitable(result):
        return await result
    return result


def credentials(headers: Mapping[str, str]) -> tuple[str | None, str | None]:
    """`(token, username)` from the Authorization header: a Bearer token, or a Basic password
    (with its user name); `(None, None)` without a usable header."""
    scheme, _, value = headers.get("authorization", "").strip().partition(" ")
    given = value.strip()
    if scheme.lower() == "basic":
        try:
            user, _, password = (
                base64.b64decode(given, validate=True).decode("utf-8").partition(":")
            )
        except (binascii.Error, UnicodeDecodeError):
            return None, None
        return password, user
    if scheme.lower() == "bearer" and given:
        return given, None
    return None, None


def authenticate(
    headers: Mapping[str, str], auth: Authenticator | None, peer: str, path: str
) -> Identity | Refuse | None:
    """The caller's identity, the refusal, or None when auth is off."""
    if auth is None or not auth.enabled:
        return None
    token, user = credentials(headers)
    try:
        return auth.authenticate(token, Peer(peer, "http"), username=user, path=path)
    except Refuse as e:
        return e


async def serve_http(
    stream: trio.abc.Stream,
    routes: Sequence[HttpRoute],
    peer: str,
    *,
    timeout: float = 10.0,
    auth: Authenticator | None = None,
) -> None:
    """Serve one HTTP connection. `timeout` bounds each request head (and the wait for it);
    with `auth` enabled, requests must pass it."""
    conn = h11.Connection(h11.SERVER, max_incomplete_event_size=_MAX_HEAD)
    try:
        while True:
            with trio.fail_after(timeout):
                event = await _next_event(conn, stream)
            if event is None:
                return
            if isinstance(event, h11.Request):
                response = await _respond(event, routes, peer, auth, conn, stream, timeout)
                await _send_response(conn, stream, response, head=event.method == b"HEAD")
            if conn.our_state is h11.MUST_CLOSE or conn.their_state is h11.MUST_CLOSE:
                return
            if conn.our_state is h11.DONE and conn.their_state is h11.DONE:
                conn.start_next_cycle()
    except h11.RemoteProtocolError as e:
        if conn.our_state in (h11.IDLE, h11.SEND_RESPONSE):
            status = e.error_status_hint
            body = HttpResponse.text(f"bad request: {e}\n", status=status)
            try:
                await _send_response(conn, stream, body, head=False)
            except (h11.LocalProtocolError, trio.BrokenResourceError, trio.ClosedResourceError):
                pass
    except (trio.BrokenResourceError, trio.ClosedResourceError, trio.TooSlowError):
        pass
    finally:
        await trio.aclose_forcefully(stream)


async def _next_event(conn: h11.Connection, stream: trio.abc.Stream) -> h11.Event | None:
    while True:
        event = conn.next_event()
        if event is h11.NEED_DATA:
            data = await stream.receive_some(8192)
            conn.receive_data(bytes(data))
            continue
        if isinstance(event, h11.ConnectionClosed) or event is h11.PAUSED:
            return None
        return cast(h11.Event, event)


async def _respond(
    req: h11.Request,
    routes: Sequence[HttpRoute],
    peer: str,
    auth: Authenticator | None,
    conn: h11.Connection,
    stream: trio.abc.Stream,
    timeout: float,
) -> HttpResponse:
    target = req.target.decode("latin-1")
    parts = urlsplit(target)
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in req.headers}
    path = parts.path or "/"
    route = find_route(routes, path)
    length = headers.get("content-length", "0")
    has_body = "transfer-encoding" in headers or length != "0"
    limit = route.max_body if route is not None else 0
    if has_body and ("transfer-encoding" in headers or not length.isdigit() or int(length) > limit):
        # "connection: close" makes h11 end the connection after the answer: the unread body
        # (or a request with both Content-Length and Transfer-Encoding, the classic smuggling
        # shape) must never be parsed as the next request (RFC 9112 section 6.1). Routes that
        # take bodies take them with a Content-Length only, up to their `max_body`.
        return HttpResponse(
            413,
            {"content-type": "text/plain; charset=utf-8", "connection": "close"},
            b"request body not accepted (too large, chunked, or not for this route)\n",
        )
    who = authenticate(headers, auth, peer, path)
    request = HttpRequest(
        method=req.method.decode(),
        path=path,
        query=dict(parse_qsl(parts.query)),
        headers=headers,
        authorized=not isinstance(who, Refuse),
        identity=who if isinstance(who, Identity) else None,
    )
    if isinstance(who, Refuse) and request.path.rstrip("/") != "/status":
        denied = who.code is StatusCode.PERMISSION_DENIED
        refused = {"content-type": "text/plain; charset=utf-8", "www-authenticate": _CHALLENGE}
        if has_body:
            refused["connection"] = "close"  # its body stays unread
        return HttpResponse(403 if denied else 401, refused, f"{who.message}\n".encode())
    if route is None:
        return HttpResponse.text(f"not found: {request.path}\n", status=404)
    if has_body:
        with trio.fail_after(timeout):  # a body is bounded in time like the head
            request = dataclasses.replace(request, body=await _read_body(conn, stream))
    try:
        return await call_handler(route, request)
    except Exception as e:
        log.error(
            "http handler failed",
            extra={"event": "http_error", "path": request.path, "peer": peer, "error": repr(e)},
        )
        return HttpResponse.text("internal error\n", status=500)


async def _read_body(conn: h11.Connection, stream: trio.abc.Stream) -> bytes:
    """The request's body; its size was checked against the route's limit from Content-Length,
    which h11 enforces (more data is a protocol error)."""
    chunks: list[bytes] = []
    while True:
        event = await _next_event(conn, stream)
        if isinstance(event, h11.Data):
            chunks.append(bytes(event.data))
        elif isinstance(event, h11.EndOfMessage) or event is None:
            return b"".join(chunks)


async def _send_response(
    conn: h11.Connection, stream: trio.abc.Stream, resp: HttpResponse, *, head: bool
) -> None:
    headers = [(k.lower(), v) for k, v in resp.headers.items() if k.lower() != "content-length"]
    headers.append(("content-length", str(len(resp.body))))
    headers.append(("server", "graftcode-gateway"))
    data = conn.send(h11.Response(status_code=resp.status, headers=headers)) or b""
    if not head:
        data += conn.send(h11.Data(data=resp.body)) or b""
    data += conn.send(h11.EndOfMessage()) or b""
    await stream.send_all(data)
