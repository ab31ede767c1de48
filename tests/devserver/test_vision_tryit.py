"""Vision's "Try it" and MCP panel, without a browser: the runtime modules served under
/vision/rt/ (only names in the listing), the form data and import map in the page, the MCP
URL and client configurations (tests/devserver/test_tryit_browser.py runs them in Chromium)."""

from __future__ import annotations

import json
import re

import pytest
from graftc.devserver import tryit
from graftc.devserver.http import DevServer
from graftcode_runtime import ugm

from .conftest import HOST
from .fixtures import calculator
from .test_vision import page


def _script(html: str, kind: str) -> str:
    found = re.search(rf'<script type="{kind}"[^>]*>(.*?)</script>', html, re.S)
    assert found is not None, kind
    return found.group(1)


def test_the_page_carries_the_form_data_and_the_import_map() -> None:
    html = page()
    data = json.loads(_script(html, 'application/json" id="tryit-data'))
    assert data["ws"] == "ws://127.0.0.1:7471/"
    assert data["runtime"] == "/vision/rt/browser.js"
    calc = data["modules"]["calculator"]
    assert calc["module"]["name"] == "calculator" and len(calc["schema_hash"]) == 64
    imports = json.loads(_script(html, "importmap"))["imports"]
    assert all(v.startswith("/vision/rt/") for v in imports.values())
    assert '<script type="module">' in html
    assert html.index('type="importmap"') < html.index('<script type="module">')


def test_mcp_panel_and_client_configurations() -> None:
    html = page()
    assert '<code class="mcp-url">http://127.0.0.1:7472/mcp</code>' in html
    assert "2026-07-28" in html
    configs = dict(tryit.mcp_configs("calculator", "http://h:1/mcp"))
    desktop, cursor, remote = configs.values()
    server = json.loads(desktop)["mcpServers"]["graft-calculator"]
    assert server["command"] == "npx" and server["args"][:2] == ["mcp-remote", "http://h:1/mcp"]
    assert json.loads(cursor)["mcpServers"]["graft-calculator"]["url"] == "http://h:1/mcp"
    assert remote.startswith("npx mcp-remote http://h:1/mcp --header ")
    second = tryit.mcp_panel(calculator(), "http://h:1/", first=False)
    assert "http://h:1/mcp/calculator" in second


def test_runtime_modules_are_served_by_listing_only(make_server) -> None:  # type: ignore[no-untyped-def]
    server: DevServer = make_server(calculator())
    ok = server.handle("GET", "/vision/rt/browser.js", HOST)
    assert ok.status == 200 and dict(ok.headers)["Content-Type"].startswith("text/javascript")
    assert b"registerTransport" in ok.body
    runtime = tryit.browser_runtime()
    assert runtime is not None
    for bare, path in runtime.imports.items():
        assert server.handle("GET", tryit.PREFIX + path, HOST).status == 200, bare


@pytest.mark.parametrize(
    "path",
    ["/vision/rt/../package.json", "/vision/rt/%2e%2e/package.json", "/vision/rt/node.js.map",
     "/vision/rt/nope.js", "/vision/rt/", "/vision/rt/transports/../../package.json"],
)  # fmt: skip
def test_anything_else_under_the_runtime_prefix_is_404(make_server, path: str) -> None:  # type: ignore[no-untyped-def]
    server: DevServer = make_server(calculator())
    assert server.handle("GET", path, HOST).status == 404


def test_streaming_members_carry_what_the_try_it_script_keys_on() -> None:
    """tryit.js gives a member Start/Stop when its result's node is StreamOf and sends a
    StreamOf parameter's list as the client stream, through the runtime's invokeStream and
    Cancelled (tests/devserver/test_tryit_browser.py runs the streams in Chromium)."""
    words = ugm.StreamOf(ugm.Primitive("str"))
    service = ugm.Service("echo", (ugm.Method("shout", (ugm.Param("words", words),), words),))
    html = page(ugm.Module("echo", "1.0.0", decls=(service,)))
    data = json.loads(_script(html, 'application/json" id="tryit-data'))
    (shout,) = data["modules"]["echo"]["module"]["decls"][0]["methods"]
    assert shout["returns"]["node"] == "StreamOf"
    assert shout["params"][0]["type"] == {"node": "StreamOf", "item": shout["returns"]["item"]}
    runtime = tryit.browser_runtime()
    assert runtime is not None
    assert "invokeStream(" in runtime.files["client.js"].read_text()
    assert "Cancelled" in runtime.files["index.js"].read_text()
