/**
 * OpenTelemetry for graftcode calls: `graftcode-runtime/otel`. A CLIENT span per call, whose
 * W3C trace context (`traceparent`, `tracestate`) goes in the call's metadata, so the gateway's
 * server span (Python's `graftcode_runtime.otel.ServerTracing`) joins the caller's trace.
 *
 * Needs `@opentelemetry/api` (an optional peer dependency: only this entry point imports it).
 *
 *   import { ClientTracing } from "graftcode-runtime/otel";
 *   const shop = await connect({ interceptors: [new ClientTracing()] });
 *
 * Spans are children of the active context and go to the registered tracer provider (or the
 * one given). The context is injected with the given propagator, else as W3C trace context,
 * which the gateway reads whatever propagator the application registered.
 */
import {
  context,
  defaultTextMapSetter,
  SpanKind,
  SpanStatusCode,
  trace,
  type Span,
  type TextMapPropagator,
  type Tracer,
  type TracerProvider,
} from "@opentelemetry/api";
import { GraftError, StatusCode, statusName } from "./errors.js";
import type { CallContext, ClientInterceptor } from "./interceptors.js";

export interface ClientTracingOptions {
  /** Default: the globally registered provider. */
  tracerProvider?: TracerProvider;
  /** Default: W3C trace context (`traceparent`, `tracestate`). */
  propagator?: TextMapPropagator;
}

const SPAN = Symbol("graftcode.otel.span");

export class ClientTracing implements ClientInterceptor {
  private readonly tracer: Tracer;
  private readonly propagator: TextMapPropagator | undefined;

  constructor(options: ClientTracingOptions = {}) {
    const provider = options.tracerProvider ?? trace.getTracerProvider();
    this.tracer = provider.getTracer("graftcode-runtime");
    this.propagator = options.propagator;
  }

  beforeCall(ctx: CallContext): void {
    const target = ctx.target || ctx.module;
    const span = this.tracer.startSpan(
      ctx.member ? `${ctx.module}.${target}/${ctx.member}` : `${ctx.module}.${target}`,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          "rpc.system": "graftcode",
          "rpc.service": `${ctx.module}.${target}`,
          "rpc.method": ctx.member,
        },
      },
      context.active(),
    );
    if (this.propagator !== undefined) {
      const active = trace.setSpan(context.active(), span);
      this.propagator.inject(active, ctx.metadata, defaultTextMapSetter);
    } else injectW3C(span, ctx.metadata);
    ctx.state.set(SPAN, span);
  }

  afterCall(ctx: CallContext, result: unknown): unknown {
    finish(ctx, StatusCode.OK, undefined);
    return result;
  }

  onError(ctx: CallContext, error: unknown): void {
    finish(ctx, error instanceof GraftError ? error.code : StatusCode.UNKNOWN, error);
  }
}

function finish(ctx: CallContext, code: StatusCode, error: unknown): void {
  const span = ctx.state.get(SPAN) as Span | undefined;
  if (span === undefined) return;
  ctx.state.delete(SPAN);
  span.setAttribute("rpc.graftcode.status_code", code);
  span.setAttribute("rpc.graftcode.status", statusName(code));
  if (error !== undefined) {
    span.setAttribute("error.type", error instanceof Error ? error.constructor.name : typeof error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: statusName(code) });
  }
  span.end();
}

/** `traceparent` and `tracestate` as the W3C Trace Context recommendation spells them. */
function injectW3C(span: Span, carrier: Record<string, string>): void {
  const sc = span.spanContext();
  if (!trace.isSpanContextValid(sc)) return;
  const flags = (sc.traceFlags & 0xff).toString(16).padStart(2, "0");
  carrier["traceparent"] = `00-${sc.traceId}-${sc.spanId}-${flags}`;
  const state = sc.traceState?.serialize();
  if (state) carrier["tracestate"] = state;
}
