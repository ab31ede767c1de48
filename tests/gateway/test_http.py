"""The HTTP listener, the route hook and the WebSocket origin check."""

from __future__ import annotations

import http.client
import json
import socket
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


def _get(gw: GatewayThread, path: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    host, port = gw.urls["http"].removeprefix("http://").rstrip("/").rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.request(method, path)
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


def test_slowloris_head_is_cut_off(monkeypatch: pytest.MonkeyPatch) -> None:
    from graftcode_runtime.gateway import _http

    monkeypatch.setattr(_http, "_IDLE_TIMEOUT", 0.5)
    with GatewayThread(["calculator"]) as g:
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
