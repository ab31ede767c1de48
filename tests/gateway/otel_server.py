"""Loaded by `graftc serve --interceptor otel_server:tracing` in the OpenTelemetry tests: the
gateway's ServerTracing with the SDK, each finished span written as one JSON line to the file
$GRAFT_TEST_SPANS, so the test process can read the gateway's spans."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence

from graftcode_runtime.otel import ServerTracing
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult


def span_record(span: ReadableSpan) -> dict[str, object]:
    ctx, parent = span.context, span.parent
    assert ctx is not None
    return {
        "name": span.name,
        "kind": span.kind.name,
        "trace_id": f"{ctx.trace_id:032x}",
        "span_id": f"{ctx.span_id:016x}",
        "parent_id": f"{parent.span_id:016x}" if parent is not None else None,
        "status": span.status.status_code.name,
        "attributes": dict(span.attributes or {}),
    }


class JsonLines(SpanExporter):
    def __init__(self, path: str) -> None:
        self.path = path

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        with open(self.path, "a", encoding="utf-8") as f:
            for span in spans:
                f.write(json.dumps(span_record(span)) + "\n")
        return SpanExportResult.SUCCESS


def tracing() -> ServerTracing:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(JsonLines(os.environ["GRAFT_TEST_SPANS"])))
    return ServerTracing(provider)
