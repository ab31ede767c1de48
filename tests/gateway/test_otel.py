"""OpenTelemetry across two processes: a Python client span in this process, the gateway's
server span in a `graftc serve` subprocess, one trace with the server span the client span's
child, status codes recorded for a success and a failure."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from graftcode_runtime import RemoteError, StatusCode
from graftcode_runtime.binding import ModuleBinding, Settings
from graftcode_runtime.otel import ClientTracing, ServerTracing
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from otel_server import span_record
from test_serve_command import _start

ROOT = Path(__file__).resolve().parents[2]


def _server_spans(path: Path, count: int) -> list[dict[str, object]]:
    deadline = time.monotonic() + 30
    while True:
        lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
        if len(lines) >= count:
            return [json.loads(line) for line in lines]
        assert time.monotonic() < deadline, f"the gateway wrote {len(lines)} spans"
        time.sleep(0.05)


@pytest.mark.slow
def test_client_and_server_spans_form_one_trace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spans_file = tmp_path / "spans.jsonl"
    monkeypatch.setenv("GRAFT_TEST_SPANS", str(spans_file))
    proc, urls = _start(
        *("authprobe", "--path", "tests/gateway", "--tcp", "127.0.0.1:0"),
        *("--interceptor", "otel_server:tracing"),
    )
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    try:
        binding = ModuleBinding("authprobe", Settings(url=urls["tcp"]))
        with binding.connect(interceptors=[ClientTracing(provider)]) as ch:
            assert ch.invoke("call", "authprobe", "whoami") == "nobody"
            with pytest.raises(RemoteError) as info:
                ch.invoke("call", "authprobe", "fail", ["boom"])
            assert info.value.code is StatusCode.INTERNAL
        server = _server_spans(spans_file, 2)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
    client = [span_record(s) for s in exporter.get_finished_spans()]
    assert [s["name"] for s in client] == ["authprobe.authprobe/whoami", "authprobe.authprobe/fail"]
    assert [s["name"] for s in server] == [s["name"] for s in client]
    for c, s in zip(client, server, strict=True):
        assert (c["kind"], s["kind"]) == ("CLIENT", "SERVER")
        assert s["trace_id"] == c["trace_id"] and s["parent_id"] == c["span_id"]
        assert s["attributes"]["rpc.system"] == "graftcode"  # type: ignore[index]
    assert client[0]["trace_id"] != client[1]["trace_id"]  # each call its own trace
    for spans in (client, server):
        ok, failed = spans
        assert ok["status"] == "UNSET" and ok["attributes"]["rpc.graftcode.status"] == "OK"  # type: ignore[index]
        assert failed["status"] == "ERROR"
        assert failed["attributes"]["rpc.graftcode.status_code"] == int(StatusCode.INTERNAL)  # type: ignore[index]


def test_hosted_code_spans_nest_under_the_server_span() -> None:
    """The server span is current while user code runs (checked in process, in memory)."""
    from graftcode_runtime.gateway import GatewayConfig
    from graftcode_runtime.testing import GatewayThread

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    config = GatewayConfig(interceptors=(ServerTracing(provider),))
    with GatewayThread([str(Path(__file__).parent / "authprobe.py")], config) as g:
        binding = ModuleBinding("authprobe", Settings(url=g.url("ws")))
        with binding.connect(interceptors=[ClientTracing(provider)]) as ch:
            assert ch.invoke("call", "authprobe", "awhoami") == "nobody"
    spans = {s.kind.name: s for s in exporter.get_finished_spans()}
    assert spans["SERVER"].parent is not None
    assert spans["SERVER"].parent.span_id == spans["CLIENT"].context.span_id  # type: ignore[union-attr]


def test_otel_is_never_imported_unless_asked_for() -> None:
    code = (
        "import sys, graftcode_runtime, graftcode_runtime.gateway, graftcode_runtime.binding\n"
        "from graftcode_runtime import config\n"
        "assert not [m for m in sys.modules if m.startswith('opentelemetry')]\n"
        "assert isinstance(config._interceptor('graftcode_runtime.otel:ClientTracing', 'x'),"
        " __import__('graftcode_runtime.otel').otel.ClientTracing)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, env=dict(os.environ))
