"""Browser end to end: a static page bundling the generated clients (esbuild) calls the gateway
over the browser's native WebSocket in headless Chromium; the test reads the page's results.
The same page served from an origin the gateway does not allow cannot connect."""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import tsharness

pytestmark = [pytest.mark.slow, pytest.mark.node, pytest.mark.browser]

CHROMIUM = os.environ.get("GRAFT_CHROMIUM", "/usr/bin/chromium")
ESBUILD = tsharness.HERE / "node_modules" / ".bin" / "esbuild"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def site(consumer: tsharness.Consumer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """The page and its bundle, served on 127.0.0.1 (a free port)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `bash scripts/setup-system.sh` (make test does)")
    root = tmp_path_factory.mktemp("site")
    shutil.copy(tsharness.HERE / "browser" / "index.html", root / "index.html")
    entry = consumer.dir / "browser-app.mjs"
    shutil.copy(tsharness.HERE / "browser" / "app.mjs", entry)
    tsharness.run(
        [
            str(ESBUILD),
            str(entry),
            "--bundle",
            "--platform=browser",
            "--format=esm",
            f"--outfile={root / 'app.js'}",
            "--log-level=warning",
        ],
        consumer.dir,
    )
    bundle = (root / "app.js").read_text("utf-8")
    assert "node:net" not in bundle and 'from "ws"' not in bundle, (
        "the browser bundle pulled in Node transports"
    )
    handler = functools.partial(_Quiet, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser_gateway(site: int) -> Iterator[tsharness.Gateway]:
    origins = (f"http://127.0.0.1:{site}",)
    gw = tsharness.start_gateway("shop", "calculator", "tsstream", allow_origins=origins)
    try:
        yield gw
    finally:
        gw.stop()


def test_page_calls_the_gateway(site: int, browser_gateway: tsharness.Gateway) -> None:
    ws = browser_gateway.url("ws")
    allowed = f"http://127.0.0.1:{site}/index.html?ws={ws}"
    foreign = f"http://localhost:{site}/index.html?ws={ws}"
    out = json.loads(
        tsharness.run(
            [tsharness.node_bin(), str(tsharness.HERE / "js" / "chromium.mjs"), allowed, foreign],
            tsharness.HERE,
            timeout=120,
        )
    )
    page = out[allowed]
    assert page["error"] is None, page
    failed = [c for c in page["checks"] if not c["ok"]]
    assert len(page["checks"]) == 11 and not failed, page
    # the same page from another origin (localhost is not the allowed 127.0.0.1) is refused
    refused = out[foreign]
    assert refused["checks"] == [] and refused["error"].startswith("ConnectionLost"), refused
