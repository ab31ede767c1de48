"""OpenTelemetry from Node to the Python gateway: the Node client span (graftcode-runtime/otel)
and the gateway's server span (graftc serve with ServerTracing) form one trace, the server span
the client span's child, with the status codes of a success and a failure."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest
import tsharness

pytestmark = [pytest.mark.slow, pytest.mark.node]


def test_node_client_span_is_the_parent_of_the_gateway_span(
    runtime: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tsharness.ensure_node_deps()
    spans_file = tmp_path / "spans.jsonl"
    monkeypatch.setenv("GRAFT_TEST_SPANS", str(spans_file))
    gateway_tests = str(tsharness.ROOT / "tests" / "gateway")
    gw = tsharness.start_gateway(
        "authprobe", extra=("--path", gateway_tests, "--interceptor", "otel_server:tracing")
    )
    try:
        proc = subprocess.run(
            [tsharness.node_bin(), str(tsharness.HERE / "js" / "otel_client.mjs"), gw.url("ws")],
            cwd=tsharness.HERE,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert proc.returncode == 0, proc.stderr
        out = json.loads(proc.stdout)
        deadline = time.monotonic() + 30
        while len(spans_file.read_text().splitlines() if spans_file.exists() else []) < 2:
            assert time.monotonic() < deadline, "the gateway wrote no spans"
            time.sleep(0.05)
    finally:
        gw.stop()
    server = [json.loads(line) for line in spans_file.read_text().splitlines()]
    client = out["spans"]
    assert out["answers"] == ["nobody", 13]
    assert [s["name"] for s in client] == [s["name"] for s in server]
    for c, s in zip(client, server, strict=True):
        assert s["kind"] == "SERVER"
        assert s["trace_id"] == c["trace_id"] and s["parent_id"] == c["span_id"]
    assert [c["code"] for c in client] == [0, 13]
    assert [s["attributes"]["rpc.graftcode.status_code"] for s in server] == [0, 13]
    assert [s["status"] for s in server] == ["UNSET", "ERROR"]
