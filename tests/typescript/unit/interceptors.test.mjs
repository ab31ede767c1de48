// Client interceptors and the OpenTelemetry client span, against a scripted gateway.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Client, RemoteError, StatusCode, t } from "graftcode-runtime";
import { ClientTracing } from "graftcode-runtime/otel";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { fakeGateway } from "./fake_gateway.mjs";

const hello = { type: "hello", major: 1, minor: 0, info: { module: "calc", schema: "x", limits: { max_message_size: 4096 } } };
const binding = { module: "calc", version: "1.0.0", schemaHash: "x", errors: {}, classes: {} };
const add = { kind: "call", target: "calc", member: "add", params: [
  { name: "a", wire: "a", kind: "either", type: t.int, optional: false },
], returns: t.int };

function answering() {
  return fakeGateway((m, gw) => {
    if (m.type === "hello") gw.reply(hello);
    if (m.type === "call" && m.kwargs.a >= 0) gw.reply({ type: "result", id: m.id, value: m.kwargs.a * 10 });
    if (m.type === "call" && m.kwargs.a < 0) {
      gw.reply({ type: "error", id: m.id, code: StatusCode.INVALID_ARGUMENT, message: "negative", typeName: null, fields: null, traceback: null });
    }
  });
}

test("interceptors: in order, change metadata and deadline, replace results, see errors", async () => {
  const seen = [];
  const auth = {
    async beforeCall(ctx) {
      await Promise.resolve(); // an async hook, as when a token is fetched
      seen.push(`auth.before ${ctx.module} ${ctx.target}.${ctx.member} ${JSON.stringify(ctx.kwargs)}`);
      ctx.metadata["Authorization"] = "Bearer t";
      ctx.timeoutMs = 1234;
    },
    afterCall(_ctx, result) {
      seen.push("auth.after");
      return result + 1;
    },
  };
  const log = {
    beforeCall(ctx) { seen.push(`log.before ${Object.keys(ctx.metadata).sort().join(",")}`); },
    afterCall(_ctx, result) { seen.push(`log.after ${result}`); return result; },
    onError(_ctx, error) { seen.push(`log.error ${error.code}`); },
  };
  const { gw, factory } = answering();
  const client = await Client.connect(binding, {
    url: "tcp://x:1", transportFactory: factory, metadata: { tenant: "a" }, interceptors: [auth, log],
  });
  assert.equal(await client.call(add, [2]), 21);
  const sent = gw.sent.at(-1);
  assert.deepEqual(sent.metadata, { tenant: "a", authorization: "Bearer t" });
  assert.equal(sent.timeoutMs, 1234);
  await assert.rejects(client.call(add, [-1]), (e) => e instanceof RemoteError && e.code === StatusCode.INVALID_ARGUMENT);
  assert.deepEqual(seen, [
    `auth.before calc calc.add {"a":2}`, "log.before Authorization,tenant", "auth.after", "log.after 21",
    `auth.before calc calc.add {"a":-1}`, "log.before Authorization,tenant", `log.error ${StatusCode.INVALID_ARGUMENT}`,
  ]);
  await client.close();
});

test("interceptors: a beforeCall that throws fails the call before anything is sent", async () => {
  const { gw, factory } = answering();
  const deny = { beforeCall() { throw new Error("no token"); } };
  const client = Client.lazy(binding, { url: "tcp://x:1", transportFactory: factory, interceptors: [deny] });
  await assert.rejects(client.call(add, [1]), /no token/);
  assert.equal(gw.sent.length, 0, "not even a connection was opened");
  await client.close();
});

test("otel: a client span per call, its context sent as traceparent, status codes recorded", async () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const { gw, factory } = answering();
  const client = await Client.connect(binding, {
    url: "tcp://x:1", transportFactory: factory, interceptors: [new ClientTracing({ tracerProvider: provider })],
  });
  assert.equal(await client.call(add, [1]), 10);
  const traceparent = gw.sent.at(-1).metadata.traceparent;
  await assert.rejects(client.call(add, [-1]));
  const [ok, failed] = exporter.getFinishedSpans();
  assert.equal(ok.name, "calc.calc/add");
  assert.equal(traceparent, `00-${ok.spanContext().traceId}-${ok.spanContext().spanId}-01`);
  assert.equal(ok.attributes["rpc.system"], "graftcode");
  assert.equal(ok.attributes["rpc.graftcode.status"], "OK");
  assert.equal(failed.attributes["rpc.graftcode.status_code"], StatusCode.INVALID_ARGUMENT);
  assert.equal(failed.status.code, 2); // SpanStatusCode.ERROR
  await client.close();
});
