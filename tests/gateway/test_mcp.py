"""`/mcp`: the official MCP SDK client (Streamable HTTP) lists and calls a hosted module's
static functions as tools; schemas are checked with a JSON Schema validator; wrong arguments
never reach user code; auth applies."""

from __future__ import annotations

import base64
import json
import logging
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import jsonschema
import mcpfixture
import pytest
from graftcode_runtime import StatusCode
from graftcode_runtime.gateway import GatewayConfig, Refuse, ServerCall, ServerInterceptor
from harness import GatewayThread
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

TOKEN = "mcp-test-token-0123456789"
SQUARE = {
    "name": "sq",
    "points": [{"x": 0, "y": 0}, {"x": 2, "y": 0}, {"x": 2, "y": 2}, {"x": 0, "y": 2}],
}


@pytest.fixture(scope="module")
def gw() -> Iterator[GatewayThread]:
    with GatewayThread(["mcpfixture"], GatewayConfig(grace_period=1.0, mcp=True)) as g:
        yield g


class Guard(ServerInterceptor):
    """Records who called what, and refuses `describe`: MCP calls pass the interceptors."""

    seen: list[tuple[str, str | None]] = []

    def before_call(self, call: ServerCall) -> None:
        self.seen.append((call.member, call.identity.name if call.identity else None))
        if call.member == "describe":
            raise Refuse(StatusCode.PERMISSION_DENIED, "describe is not for you")


@pytest.fixture(scope="module")
def secured() -> Iterator[GatewayThread]:
    config = GatewayConfig(
        grace_period=1.0,
        mcp=True,
        auth_tokens=(TOKEN,),
        mcp_tools=("area", "desc*"),
        interceptors=(Guard(),),
    )
    with GatewayThread(["mcpfixture"], config) as g:
        yield g


def _url(gw: GatewayThread) -> str:
    return gw.urls["http"].rstrip("/") + "/mcp"


def _session(gw: GatewayThread, mode: str = "auto", token: str | None = None) -> Client:
    headers = {"authorization": f"Bearer {token}"} if token else None
    transport = streamable_http_client(_url(gw), http_client=create_mcp_http_client(headers))
    return Client(transport, mode=mode)  # type: ignore[arg-type]


def _run(gw: GatewayThread, body: Any, mode: str = "auto", token: str | None = None) -> Any:
    async def main() -> Any:
        async with _session(gw, mode, token) as client:
            return await body(client)

    return anyio.run(main)


@pytest.mark.parametrize("mode", ["auto", "legacy"])  # 2026-07-28, and the initialize handshake
def test_lists_tools_with_schemas_that_validate(gw: GatewayThread, mode: str) -> None:
    listed = _run(gw, lambda c: c.list_tools(), mode)
    tools = {t.name: t for t in listed.tools}
    assert set(tools) == {
        "area", "reverse_bytes", "next_day", "invert", "describe", "ratio", "double_later",
        "Canvas__blank",
    }  # fmt: skip
    area = tools["area"]
    assert area.description.startswith("The area of a polygon")
    schema = area.input_schema
    jsonschema.Draft202012Validator.check_schema(schema)
    valid = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    assert valid.is_valid({"shape": SQUARE})
    assert valid.is_valid({"shape": {**SQUARE, "color": "blue", "tags": {"a": 1}, "note": None}})
    for bad in (
        {},
        {"shape": {"name": "x"}},
        {"shape": {**SQUARE, "color": "green"}},
        {"shape": {**SQUARE, "points": [{"x": "0", "y": 0}]}},
        {"shape": SQUARE, "extra": 1},
    ):
        assert not valid.is_valid(bad), bad
    shape = schema["$defs"]["Shape"]
    assert shape["description"] == "A polygon."
    assert shape["properties"]["color"]["default"] == "red"
    assert schema["$defs"]["Color"]["enum"] == ["red", "blue"]
    others = {name: tools[name].input_schema for name in tools}
    assert others["reverse_bytes"]["properties"]["data"]["contentEncoding"] == "base64"
    assert others["next_day"]["properties"]["day"]["format"] == "date"
    assert others["next_day"]["required"] == ["day"]
    union = jsonschema.Draft202012Validator(others["describe"])
    assert union.is_valid({"value": ["int", 3]}) and union.is_valid({"value": ["str", "a"]})
    assert not union.is_valid({"value": ["int", "a"]})


def test_calls_a_function_with_a_record_argument(gw: GatewayThread) -> None:
    result = _run(gw, lambda c: c.call_tool("area", {"shape": SQUARE}))
    assert not result.is_error
    assert result.structured_content == {"result": 4.0}
    assert json.loads(result.content[0].text) == 4.0


def test_json_forms_of_bytes_dates_maps_and_unions(gw: GatewayThread) -> None:
    async def calls(c: Client) -> list[Any]:
        return [
            (await c.call_tool(name, args)).structured_content["result"]
            for name, args in (
                ("reverse_bytes", {"data": base64.b64encode(b"abc").decode()}),
                ("next_day", {"day": "2026-12-31"}),
                ("invert", {"names": {"1": "one", "2": "two"}}),
                ("describe", {"value": ["str", "x"]}),
                ("Canvas__blank", {"width": 2}),
                ("double_later", {"n": 21}),
            )
        ]

    got = _run(gw, calls)
    assert got == [
        base64.b64encode(b"cba").decode(),
        "2027-01-01",
        {"one": 1, "two": 2},
        "str x",
        [0, 0],
        42,
    ]


def test_a_declared_error_is_a_tool_error_with_its_type_and_fields(gw: GatewayThread) -> None:
    result = _run(gw, lambda c: c.call_tool("area", {"shape": {**SQUARE, "points": []}}))
    assert result.is_error
    error = result.structured_content["error"]
    assert error["type"] == "TooFewPoints"
    assert error["fields"] == {"name": "sq", "points": 0}
    assert result.content[0].text.startswith("TooFewPoints: ")


@pytest.mark.parametrize(
    ("tool", "args", "says"),
    [
        ("area", {"shape": {"name": "x", "points": [{"x": "a", "y": 0}]}}, "points"),
        ("area", {}, "shape"),
        ("area", {"shape": SQUARE, "extra": 1}, "extra"),
        ("reverse_bytes", {"data": "not base64!"}, "base64"),
        ("next_day", {"day": "yesterday"}, "day"),
        ("invert", {"names": {"one": "x"}}, "integer key"),
    ],
)
def test_wrong_arguments_never_reach_user_code(
    gw: GatewayThread, tool: str, args: dict[str, Any], says: str
) -> None:
    before = list(mcpfixture.RUNS)
    result = _run(gw, lambda c: c.call_tool(tool, args))
    assert result.is_error
    assert result.structured_content["error"]["code"] == "INVALID_ARGUMENT"
    assert says in result.structured_content["error"]["message"]
    assert mcpfixture.RUNS == before


def test_instance_members_and_unknown_tools_are_not_callable(gw: GatewayThread) -> None:
    async def body(c: Client) -> list[str]:
        out = []
        for name in ("Canvas__draw", "Canvas__make", "__import__", "Canvas"):
            try:
                result = await c.call_tool(name, {})
            except Exception as e:  # the SDK raises the JSON-RPC error
                out.append(str(e))
            else:
                out.append("called" if not result.is_error else result.content[0].text)
        return out

    answers = _run(gw, body)
    assert all("unknown tool" in a for a in answers), answers


def test_auth_and_the_allow_list(secured: GatewayThread) -> None:
    with pytest.raises(Exception):  # noqa: B017 - the SDK wraps the 401 in its own error type
        _run(secured, lambda c: c.list_tools())
    listed = _run(secured, lambda c: c.list_tools(), token=TOKEN)
    assert [t.name for t in listed.tools] == ["area", "describe"]
    called = _run(secured, lambda c: c.call_tool("area", {"shape": SQUARE}), token=TOKEN)
    assert called.structured_content == {"result": 4.0}
    assert Guard.seen[-1] == ("area", "default")  # the token's identity reached the interceptor


def test_interceptors_refuse_and_failures_are_logged(
    secured: GatewayThread, caplog: pytest.LogCaptureFixture
) -> None:
    before = list(mcpfixture.RUNS)
    with caplog.at_level(logging.INFO, logger="graftcode"):
        refused = _run(
            secured, lambda c: c.call_tool("describe", {"value": ["int", 1]}), token=TOKEN
        )
    assert refused.is_error
    assert refused.structured_content["error"] == {
        "code": "PERMISSION_DENIED",
        "message": "describe is not for you",
    }
    assert mcpfixture.RUNS == before
    logged = [r.getMessage() for r in caplog.records if "event=call_failed" in r.getMessage()]
    assert any("code=PERMISSION_DENIED" in m and "transport=mcp" in m for m in logged), logged


def _post(
    gw: GatewayThread, body: bytes, headers: dict[str, str] | None = None
) -> tuple[int, bytes]:
    request = urllib.request.Request(_url(gw), data=body, method="POST", headers={
        "content-type": "application/json", "accept": "application/json, text/event-stream",
        **(headers or {}),
    })  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def test_bad_http_input(gw: GatewayThread) -> None:
    status, body = _post(gw, b"{not json")
    assert status == 400 and json.loads(body)["error"]["code"] == -32700
    status, body = _post(gw, b'{"jsonrpc": "2.0", "method": "notifications/initialized"}')
    assert status == 202
    call = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    status, body = _post(gw, json.dumps(call).encode(), {"mcp-protocol-version": "1999-01-01"})
    assert status == 400 and json.loads(body)["error"]["code"] == -32022
    status, _ = _post(gw, json.dumps(call).encode(), {"origin": "http://evil.example"})
    assert status == 403
    host, port = gw.urls["http"].split("//")[1].rstrip("/").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as s:
        too_long = gw.config.max_message_size + 1  # refused from the head, before any body
        s.sendall(f"POST /mcp HTTP/1.1\r\nhost: x\r\ncontent-length: {too_long}\r\n\r\n".encode())
        assert s.recv(100).startswith(b"HTTP/1.1 413 ")
    gw.check()


def test_serve_options() -> None:
    from argparse import Namespace

    from graftc.commands._serve_mcp import gateway_options

    def opts(mcp: str | None, production: bool, tools: tuple[str, ...] = ()) -> dict[str, Any]:
        return gateway_options(Namespace(mcp=mcp, mcp_tools=tools), production)

    assert opts(None, False) == {"mcp": True, "mcp_tools": ()}
    assert opts(None, True)["mcp"] is False
    assert opts("on", True, ("Cart.*",)) == {"mcp": True, "mcp_tools": ("Cart.*",)}
    assert opts("off", False)["mcp"] is False


def test_off_by_default_in_the_gateway() -> None:
    with GatewayThread(["mcpfixture"], GatewayConfig(grace_period=1.0)) as g:
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(_url(g), timeout=10)
        assert e.value.code == 404


def _serve(tmp_path: Path, *options: str) -> tuple[subprocess.Popen[bytes], str]:
    ports = tmp_path / "ports.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "graftc.cli", "serve", str(Path(mcpfixture.__file__)),
         "--http", "127.0.0.1:0", "--ports-file", str(ports), *options],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not ports.is_file():
        assert proc.poll() is None and time.monotonic() < deadline, "graftc serve did not start"
        time.sleep(0.05)
    return proc, json.loads(ports.read_text())["http"].rstrip("/") + "/mcp"


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGTERM)
    proc.wait(30)


@pytest.mark.slow
def test_graftc_serve_options(tmp_path: Path) -> None:
    """`--mode production --mcp on --mcp-tools` serves the allowed tools; `--mcp off` none."""
    listing = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}).encode()
    proc, url = _serve(tmp_path, "--mode", "production", "--mcp", "on", "--mcp-tools", "area")
    try:
        request = urllib.request.Request(url, data=listing, method="POST")
        request.add_header("content-type", "application/json")
        with urllib.request.urlopen(request, timeout=30) as r:
            tools = json.load(r)["result"]["tools"]
        assert [t["name"] for t in tools] == ["area"]
    finally:
        _stop(proc)
    (tmp_path / "off").mkdir()
    proc, url = _serve(tmp_path / "off", "--mcp", "off")
    try:
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(url, timeout=30)
        assert e.value.code == 404
    finally:
        _stop(proc)


def test_a_result_json_cannot_spell_is_an_error_not_invalid_json(gw: GatewayThread) -> None:
    call = {"jsonrpc": "2.0", "id": 7, "method": "tools/call",
            "params": {"name": "ratio", "arguments": {"a": 0.0, "b": 0.0}}}  # fmt: skip
    status, body = _post(gw, json.dumps(call).encode())
    assert status == 200 and json.loads(body)["error"]["code"] == -32603
    status, body = _post(
        gw,
        json.dumps(
            {**call, "params": {"name": "ratio", "arguments": {"a": 1.0, "b": 4.0}}}
        ).encode(),
    )
    assert json.loads(body)["result"]["structuredContent"] == {"result": 0.25}


def test_tool_calls_are_counted_in_metrics(gw: GatewayThread) -> None:
    _run(gw, lambda c: c.call_tool("area", {"shape": SQUARE}))
    _run(gw, lambda c: c.call_tool("area", {"shape": {**SQUARE, "points": []}}))
    with urllib.request.urlopen(gw.urls["http"].rstrip("/") + "/metrics", timeout=10) as r:
        lines = r.read().decode().splitlines()
    calls = [x for x in lines if x.startswith("graftcode_calls_total{")]
    area = [x for x in calls if 'member="mcpfixture.area"' in x]
    assert any('code="OK"' in x for x in area) and any('code="UNKNOWN"' in x for x in area), calls
    assert any(x.startswith("graftcode_call_duration_seconds_count{") and "mcpfixture.area" in x
               for x in lines)  # fmt: skip


def test_every_primitive_has_a_schema() -> None:
    """A primitive added to the UGM without a schema here stopped every gateway hosting a
    member that used it (`duration` did, before this test)."""
    from graftcode_runtime import ugm
    from graftcode_runtime.gateway._mcp_schema import _PRIMITIVE_SCHEMAS

    assert set(ugm.PRIMITIVES) <= set(_PRIMITIVE_SCHEMAS)
