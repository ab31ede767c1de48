"""The HTTP listener, the route hook and the WebSocket origin check."""

from __future__ import annotations

import base64
import http.client
import json
import socket
import time
from collections.abc import Iterator

import pytest
from graftcode_runtime import ConnectionLost, connect, ugm
from graftcode_runtime.gateway import GatewayConfig, HttpRequest, HttpResponse, HttpRoute
from harness import GatewayThread


def _hello(request: HttpRequest) -> HttpResponse:
    return HttpResponse.text(f"hello {request.query.get('name', 'world')} at {request.path}\n")


async def _async_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse.json({"async": True})


def _broken(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("secret detail")


@pytest.fixture(scope="module")
def gw() -> Iterator[GatewayThread]:
    routes = [
        HttpRoute("/hello", _hello),
        HttpRoute("/a", _async_page),
        HttpRoute("/broken", _broken),
    ]
    with GatewayThread(
        ["calculator", "shop"], GatewayConfig(allow_origins=("https://app.example",)), routes
    ) as g:
        yield g


def _get(
    gw: GatewayThread, path: str, method: str = "GET", headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    host, port = gw.urls["http"].removeprefix("http://").rstrip("/").rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.request(method, path, headers=headers or {})
    resp = conn.getresponse()
    body = resp.read()
    headers = {k.lower(): v for k, v in resp.getheaders()}
    conn.close()
    return resp.status, headers, body


def test_status(gw: GatewayThread) -> None:
    status, headers, body = _get(gw, "/status")
    assert status == 200
    data = json.loads(body)
    assert data["status"] == "serving" and data["ready"] is True
    assert [m["name"] for m in data["modules"]] == ["calculator", "shop"]
    assert headers["content-type"] == "application/json"


def test_ugm_is_the_model_json(gw: GatewayThread) -> None:
    status, _, body = _get(gw, "/ugm")
    assert status == 200
    assert ugm.loads(body.decode()).name == "calculator"
    status, _, body = _get(gw, "/ugm/shop")
    assert ugm.loads(body.decode()).name == "shop"
    assert _get(gw, "/ugm?module=nope")[0] == 404


def test_route_hook(gw: GatewayThread) -> None:
    status, _, body = _get(gw, "/hello/x?name=ann")
    assert (status, body) == (200, b"hello ann at /hello/x\n")
    assert json.loads(_get(gw, "/a")[2]) == {"async": True}
    status, _, body = _get(gw, "/broken")
    assert status == 500 and b"secret" not in body
    assert _get(gw, "/nothing-here")[0] == 404
    status, _, body = _get(gw, "/status", "HEAD")
    assert status == 200 and body == b""


def test_http_garbage_gets_400_and_listener_survives(gw: GatewayThread) -> None:
    host, port = gw.urls["http"].removeprefix("http://").rstrip("/").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=5) as s:
        s.sendall(b"\x00\x01garbage\r\n\r\n")
        assert s.recv(100).startswith(b"HTTP/1.1 400")
    assert _get(gw, "/status")[0] == 200


def test_websocket_origin_check(gw: GatewayThread) -> None:
    url = gw.url("ws")
    with connect(url, module="calculator") as c:  # no Origin: not a browser
        assert c.call("add", 1, 1) == 2
    with connect(url, module="calculator", origin="https://app.example") as c:
        assert c.call("add", 2, 2) == 4
    with pytest.raises(ConnectionLost, match="403"):
        connect(url, module="calculator", origin="https://evil.example")


def test_same_host_origins_allowed_without_a_list() -> None:
    with GatewayThread(["calculator"]) as g:
        url = g.url("ws")
        with connect(url, origin="http://127.0.0.1:5173") as c:
            assert c.call("add", 1, 2) == 3
        with connect(url, origin="http://localhost:3000") as c:
            assert c.call("add", 1, 2) == 3
        with pytest.raises(ConnectionLost, match="403"):
            connect(url, origin="https://evil.example")


def _raw(gw: GatewayThread, data: bytes) -> bytes:
    """Send `data` on a fresh connection and read until the gateway closes it."""
    host, port = gw.urls["http"].removeprefix("http://").rstrip("/").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(data)
        out = b""
        while chunk := s.recv(65536):
            out += chunk
    return out


@pytest.mark.parametrize(
    "head",
    [
        # Content-Length and Transfer-Encoding together: the request smuggling shape.
        b"POST /status HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        # A chunked body on a GET was read and dropped, so its bytes reached the next request.
        b"GET /status HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        b"POST /status HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc",
    ],
)
def test_request_bodies_are_refused_and_the_connection_closed(
    gw: GatewayThread, head: bytes
) -> None:
    # The request after the body must not be answered: the connection ends after the 413
    # (recv returning b"" ends _raw; a kept-alive connection would block until the timeout).
    out = _raw(gw, head + b"GET /idl HTTP/1.1\r\nHost: x\r\n\r\n")
    assert out.startswith(b"HTTP/1.1 413")
    assert out.count(b"HTTP/1.1") == 1


def test_slowloris_head_is_cut_off() -> None:
    with GatewayThread(["calculator"], GatewayConfig(handshake_timeout=0.5)) as g:
        host, port = g.urls["http"].removeprefix("http://").rstrip("/").rsplit(":", 1)
        head = b"GET /status HTTP/1.1\r\nHost: x\r\n" + b"X-Slow: a\r\n" * 100
        closed = False
        with socket.create_connection((host, int(port)), timeout=10) as s:
            # One byte per 50 ms: each read comes well within the timeout, the whole head
            # (about 1.2 KB, a minute) never does; the gateway must close before the end.
            for byte in head:
                try:
                    s.sendall(bytes([byte]))
                except OSError:
                    closed = True
                    break
                s.settimeout(0.05)
                try:
                    if s.recv(100) == b"":
                        closed = True
                        break
                except TimeoutError:
                    pass
        assert closed
        assert _get(g, "/status")[0] == 200


def test_auth_covers_every_route() -> None:
    """With a token set, the model, the IDL and every registered route answer 401 without it
    (GET /ugm and /idl once answered anyone); /status tells a load balancer the state only."""
    config = GatewayConfig(auth_tokens=("s3cret",))
    with GatewayThread(["calculator"], config, [HttpRoute("/hello", _hello)]) as g:
        for path in ("/ugm", "/ugm/calculator", "/idl", "/hello", "/nothing-here"):
            status, headers, body = _get(g, path)
            assert status == 401, path
            assert "Bearer" in headers["www-authenticate"] and b"calculator" not in body
        for wrong in ("Bearer nope", "Basic " + base64.b64encode(b"u:nope").decode(), "s3cret"):
            assert _get(g, "/ugm", headers={"Authorization": wrong})[0] == 401
        status, _, body = _get(g, "/status")
        assert status == 200 and json.loads(body) == {"status": "serving", "ready": True}
        basic = "Basic " + base64.b64encode(b"pip:s3cret").decode()  # how pip and npm send it
        for good in ("Bearer s3cret", basic):
            assert _get(g, "/ugm", headers={"Authorization": good})[0] == 200
            assert _get(g, "/hello", headers={"Authorization": good})[0] == 200
            status, _, body = _get(g, "/status", headers={"Authorization": good})
            assert [m["name"] for m in json.loads(body)["modules"]] == ["calculator"]


def _closed(s: socket.socket) -> bool:
    """True once the gateway closed `s` (after an answer such as 408 or 503, or at once)."""
    try:
        while s.recv(4096):
            pass
        return True
    except TimeoutError:
        return False
    except OSError:
        return True  # reset


def test_hundreds_of_idle_connections_are_all_closed() -> None:
    """300 connections that send half a request head and then nothing: each is closed once the
    head has taken longer than the handshake timeout (once they all stayed open for good)."""
    with GatewayThread(["calculator"], GatewayConfig(handshake_timeout=0.5)) as g:
        host, port = g.urls["http"].removeprefix("http://").rstrip("/").rsplit(":", 1)
        idle = []
        try:
            for _ in range(300):
                s = socket.create_connection((host, int(port)), timeout=10)
                s.sendall(b"GET /status HTTP/1.1\r\nHost: x\r\n")
                idle.append(s)
            time.sleep(1.5)
            for s in idle:
                s.settimeout(5)
            assert all(_closed(s) for s in idle)
        finally:
            for s in idle:
                s.close()
        assert _get(g, "/status")[0] == 200
