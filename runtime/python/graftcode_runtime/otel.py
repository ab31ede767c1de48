"""OpenTelemetry tracing for graftcode calls: a client span per outgoing call, a server span per
call the gateway runs, one trace across both processes.

Needs `opentelemetry-api` (`pip install graftcode-runtime[otel]`); nothing else in graftcode
imports this module, so the runtime never requires it. Spans go wherever the process's
tracer provider sends them (configure the SDK and an exporter as usual).

- `ClientTracing` (a ClientInterceptor): a CLIENT span, and its W3C trace context injected into
  the call's metadata (`traceparent`, `tracestate`) with the configured propagator. Enable it in
  code (`interceptors=[ClientTracing()]`) or by configuration
  (`GRAFT_INTERCEPTORS=graftcode_runtime.otel:ClientTracing`, or `interceptors` in
  graftcode.toml).
- `ServerTracing` (a ServerInterceptor): extracts the caller's context from the metadata and
  runs the user code inside a SERVER span (spans the hosted code starts are its children). Enable
  it with `GatewayConfig(interceptors=(ServerTracing(),))` or `graftc serve --otel`.

Both record `rpc.system=graftcode`, `rpc.service`, `rpc.method` and the status code
(`rpc.graftcode.status_code`, its name in `rpc.graftcode.status`); a failed call's span has
status ERROR. Messages of errors are not recorded: they may carry what callers sent.
"""

from __future__ import annotations

from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind, Status
from opentelemetry.trace import StatusCode as SpanStatus

from .gateway import ServerCall, ServerInterceptor
from .interceptors import CallContext, ClientInterceptor
from .protocol import RemoteError, StatusCode

__all__ = ["ClientTracing", "ServerTracing"]

_TRACER = "graftcode_runtime.otel"
_SPAN = "_graftcode_otel_span"


def _attributes(module: str, target: str, member: str) -> dict[str, str]:
    return {"rpc.system": "graftcode", "rpc.service": f"{module}.{target}", "rpc.method": member}


def _span_name(module: str, target: str, member: str) -> str:
    return f"{module}.{target}/{member}" if member else f"{module}.{target}"


def _end(span: trace.Span, code: StatusCode, error: BaseException | None) -> None:
    span.set_attribute("rpc.graftcode.status_code", int(code))
    span.set_attribute("rpc.graftcode.status", code.name)
    if error is not None:
        span.set_attribute("error.type", type(error).__name__)
        span.set_status(Status(SpanStatus.ERROR, code.name))
    span.end()


class ClientTracing(ClientInterceptor):
    def __init__(self, tracer_provider: trace.TracerProvider | None = None) -> None:
        self._tracer = trace.get_tracer(_TRACER, tracer_provider=tracer_provider)

    def before_call(self, ctx: CallContext) -> None:
        target = ctx.target or ctx.module
        span = self._tracer.start_span(
            _span_name(ctx.module, target, ctx.member),
            kind=SpanKind.CLIENT,
            attributes=_attributes(ctx.module, target, ctx.member),
        )
        carrier: dict[str, str] = {}
        propagate.inject(carrier, context=trace.set_span_in_context(span))
        ctx.metadata.update(carrier)
        ctx.__dict__[_SPAN] = span

    def after_call(self, ctx: CallContext, result: object) -> object:
        span = ctx.__dict__.pop(_SPAN, None)
        if span is not None:
            _end(span, StatusCode.OK, None)
        return result

    def on_error(self, ctx: CallContext, error: BaseException) -> None:
        span = ctx.__dict__.pop(_SPAN, None)
        if span is not None:
            code = error.code if isinstance(error, RemoteError) else StatusCode.UNKNOWN
            _end(span, code, error)


class ServerTracing(ServerInterceptor):
    def __init__(self, tracer_provider: trace.TracerProvider | None = None) -> None:
        self._tracer = trace.get_tracer(_TRACER, tracer_provider=tracer_provider)

    def before_call(self, call: ServerCall) -> None:
        carrier = {k: v for k, v in call.metadata.items() if isinstance(v, str)}
        parent = propagate.extract(carrier)
        target = call.target or call.module
        span = self._tracer.start_span(
            _span_name(call.module, target, call.member),
            context=parent,
            kind=SpanKind.SERVER,
            attributes=_attributes(call.module, target, call.member),
        )
        if call.identity is not None:
            span.set_attribute("enduser.id", call.identity.name)
        # current for the user code, so the spans it starts are children of this one
        token = otel_context.attach(trace.set_span_in_context(span))
        call.state[_SPAN] = (span, token)

    def after_call(self, call: ServerCall, result: Any) -> Any:
        self._finish(call, None)
        return result

    def on_error(self, call: ServerCall, error: BaseException) -> None:
        self._finish(call, error)

    def _finish(self, call: ServerCall, error: BaseException | None) -> None:
        entry = call.state.pop(_SPAN, None)
        if entry is None:
            return
        span, token = entry
        try:
            otel_context.detach(token)
        except ValueError:
            pass  # not the context it was attached in: nothing to restore
        _end(span, StatusCode.UNKNOWN if call.code is None else call.code, error)
