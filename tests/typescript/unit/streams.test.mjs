// Streams in the TypeScript runtime (docs/protocol.md 5.5) against a scripted gateway that
// keeps the credit rules: items in order, WINDOW grants as the consumer takes items, the typed
// error after the items, CANCEL on break/close/abort, deadlines over the whole stream, client
// streams within the gateway's credit, and the protocol errors a broken gateway earns.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Cancelled, Client, DeadlineExceeded, GraftError, RemoteError, StatusCode, t } from "graftcode-runtime";

import { fakeGateway } from "./fake_gateway.mjs";

const hello = (info = {}) => ({
  type: "hello", major: 1, minor: 0,
  info: { module: "logs", schema: "x", features: ["stream"], stream_window: 2, ...info },
});
class Boom extends RemoteError {}
const binding = {
  module: "logs", version: "1.0.0", schemaHash: "x", classes: {},
  errors: { Boom: { fields: [{ name: "at", wire: "at", type: t.int }], make: (info, f) => Object.assign(new Boom(info), f) } },
};
const tail = { kind: "call", target: "logs", member: "tail", params: [
  { name: "n", wire: "n", kind: "positional", type: t.int, optional: false },
], returns: t.stream(t.int) };
const upload = { kind: "call", target: "logs", member: "upload", params: [
  { name: "lines", wire: "lines", kind: "positional", type: t.stream(t.str), optional: false },
], returns: t.int };
const echo = { kind: "call", target: "logs", member: "echo", params: [
  { name: "lines", wire: "lines", kind: "positional", type: t.stream(t.str), optional: false },
], returns: t.stream(t.str) };
const error = (id, code, message, typeName = null, fields = null) =>
  ({ type: "error", id, code, message, typeName, fields, traceback: null });

// A gateway whose `tail(n)` yields 0..n-1 within the credit, then `end(gw, id)`.
function producer({ end = (gw, id) => gw.reply({ type: "result", id, value: null }), stop = Infinity } = {}) {
  const calls = new Map();
  const state = { cancelled: [], windows: [] };
  const pump = (gw, id) => {
    const c = calls.get(id);
    while (c.credit > 0 && c.next < Math.min(c.n, stop)) {
      c.credit--;
      gw.reply({ type: "item", id, value: c.next++ });
    }
    if (c.next === c.n && !c.done) {
      c.done = true;
      end(gw, id);
    }
  };
  const script = (m, gw) => {
    if (m.type === "hello") gw.reply(hello());
    if (m.type === "call") {
      calls.set(m.id, { n: m.args[0], credit: m.window, next: 0, done: false });
      pump(gw, m.id);
    }
    if (m.type === "window") {
      state.windows.push(m.n);
      calls.get(m.id).credit += m.n;
      pump(gw, m.id);
    }
    if (m.type === "cancel") {
      state.cancelled.push(m.id);
      calls.get(m.id).done = true;
      gw.reply(error(m.id, 1, "cancelled"));
    }
  };
  return { script, state };
}

async function connect(script) {
  const { gw, factory } = fakeGateway(script);
  const client = await Client.connect(binding, { url: "tcp://x:1", transportFactory: factory });
  return { gw, client };
}

test("streams: the client announces the feature; a server stream gives every item in order", async () => {
  const { script, state } = producer();
  const { gw, client } = await connect(script);
  assert.deepEqual(gw.sent[0].info.features, ["stream"]);
  const got = [];
  for await (const x of client.stream(tail, [1000])) got.push(x);
  assert.deepEqual(got, Array.from({ length: 1000 }, (_, i) => i));
  assert.equal(gw.sent[1].window, 64);
  // credit comes back half a window at a time, never more than was taken
  assert.ok(state.windows.length >= 15 && state.windows.every((n) => n === 32), state.windows);
  await client.close();
});

test("streams: a declared error after 3 items reaches the caller after them, typed", async () => {
  const { script } = producer({ stop: 3, end: () => {} });
  const { client } = await connect((m, gw) => {
    script(m, gw);
    if (m.type === "call") gw.reply(error(m.id, 2, "boom", "Boom", { at: 3 }));
  });
  const got = [];
  await assert.rejects(async () => {
    for await (const x of client.stream(tail, [10])) got.push(x);
  }, (e) => e instanceof Boom && e.at === 3);
  assert.deepEqual(got, [0, 1, 2]);
  await client.close();
});

test("streams: break after 3 items sends CANCEL and drops what comes later", async () => {
  const { script, state } = producer();
  const { gw, client } = await connect(script);
  const got = [];
  for await (const x of client.stream(tail, [100])) {
    got.push(x);
    if (got.length === 3) break;
  }
  assert.deepEqual(got, [0, 1, 2]);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(state.cancelled, [1]);
  const again = [];
  for await (const x of client.stream(tail, [2])) again.push(x);
  assert.deepEqual(again, [0, 1], "the connection is still fine");
  assert.equal(gw.sent.filter((m) => m.type === "cancel").length, 1);
  await client.close();
});

test("streams: an AbortSignal cancels mid-stream; close() before the first item sends nothing", async () => {
  const { script, state } = producer({ stop: 5 });
  const { gw, client } = await connect(script);
  const ac = new AbortController();
  const got = [];
  await assert.rejects(async () => {
    for await (const x of client.stream(tail, [100], { signal: ac.signal })) {
      got.push(x);
      if (got.length === 3) ac.abort();
    }
  }, Cancelled);
  assert.deepEqual(got, [0, 1, 2]);
  assert.deepEqual(state.cancelled, [1]);
  const before = gw.sent.length;
  const s = client.stream(tail, [5]);
  await s.close();
  assert.deepEqual(await s.next(), { done: true, value: undefined });
  assert.equal(gw.sent.length, before, "a stream never started sends nothing");
  await client.close();
});

test("streams: the deadline covers the whole stream", async () => {
  const { script, state } = producer({ stop: 3 });
  const { gw, client } = await connect(script);
  const got = [];
  await assert.rejects(async () => {
    for await (const x of client.stream(tail, [100], { timeoutMs: 30 })) got.push(x);
  }, DeadlineExceeded);
  assert.deepEqual(got, [0, 1, 2]);
  assert.equal(gw.sent[1].timeoutMs, 30);
  assert.deepEqual(state.cancelled, [1]);
  await client.close();
});

test("streams: a client stream goes out within the gateway's credit, then END", async () => {
  const seen = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const { gw, client } = await connect((m, gw) => {
    if (m.type === "hello") gw.reply(hello());
    if (m.type === "item") {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      seen.push(m.value);
      // the member consumes slowly: one WINDOW per item, a tick later
      setTimeout(() => {
        inFlight--;
        gw.reply({ type: "window", id: m.id, n: 1 });
      }, 1);
    }
    if (m.type === "end") gw.reply({ type: "result", id: m.id, value: seen.length });
  });
  async function* lines() {
    for (let i = 0; i < 20; i++) yield `line ${i}`;
  }
  assert.equal(await client.call(upload, [lines()]), 20);
  assert.deepEqual(gw.sent[1].args, [null], "the parameter's place holds nil");
  assert.equal(gw.sent[1].window, undefined, "a unary result asks for no window");
  assert.deepEqual(seen, Array.from({ length: 20 }, (_, i) => `line ${i}`));
  assert.ok(maxInFlight <= 2, `at most stream_window items unanswered, saw ${maxInFlight}`);
  assert.equal(gw.sent.at(-1).type, "end");
  await client.close();
});

test("streams: a bad item or a failing iterable cancels the call with that error", async () => {
  const { gw, client } = await connect((m, gw) => {
    if (m.type === "hello") gw.reply(hello());
    if (m.type === "cancel") gw.reply(error(m.id, 1, "cancelled"));
  });
  await assert.rejects(client.call(upload, [["a", 2]]), (e) => e instanceof GraftError && e.code === StatusCode.INVALID_ARGUMENT && /\[1\]/.test(e.message));
  async function* broken() {
    yield "a";
    throw new Error("disk on fire");
  }
  await assert.rejects(client.call(upload, [broken()]), /disk on fire/);
  assert.equal(gw.sent.filter((m) => m.type === "cancel").length, 2);
  await assert.rejects(client.call(upload, [42]), /AsyncIterable/);
  await client.close();
});

test("streams: bidirectional, items both ways on one call", async () => {
  const { client } = await connect((m, gw) => {
    if (m.type === "hello") gw.reply(hello());
    if (m.type === "item") {
      gw.reply({ type: "item", id: m.id, value: m.value.toUpperCase() });
      gw.reply({ type: "window", id: m.id, n: 1 });
    }
    if (m.type === "end") gw.reply({ type: "result", id: m.id, value: null });
  });
  const got = [];
  for await (const x of client.stream(echo, [["a", "b", "c"]])) got.push(x);
  assert.deepEqual(got, ["A", "B", "C"]);
  await client.close();
});

test("streams: a gateway without the feature refuses before sending; ITEM beyond credit is a protocol error", async () => {
  const { client: old } = await connect((m, gw) => {
    if (m.type === "hello") gw.reply({ ...hello(), info: { module: "logs", schema: "x" } });
  });
  await assert.rejects(old.stream(tail, [3]).next(), (e) => e instanceof GraftError && e.code === StatusCode.FAILED_PRECONDITION);
  await old.close();
  const { gw, client } = await connect((m, gw) => {
    if (m.type === "hello") gw.reply(hello());
    if (m.type === "call") for (let i = 0; i <= m.window; i++) gw.reply({ type: "item", id: m.id, value: i });
  });
  await assert.rejects(async () => {
    for await (const _ of client.stream(tail, [100])) { /* take them */ }
  }, (e) => e.name === "ProtocolError" && /beyond its credit/.test(e.message));
  assert.equal(gw.sent.at(-1).type, "goaway");
  assert.equal(gw.sent.at(-1).code, StatusCode.RESOURCE_EXHAUSTED);
  await client.close();
});

test("streams: the dynamic client streams wire values both ways without generated code", async () => {
  const { gw, client } = await connect((m, gw) => {
    if (m.type === "hello") gw.reply(hello());
    if (m.type === "item") {
      gw.reply({ type: "item", id: m.id, value: m.value * 2 });
      gw.reply({ type: "window", id: m.id, n: 1 });
    }
    if (m.type === "end") gw.reply({ type: "result", id: m.id, value: null });
  });
  const spec = { kind: "call", target: "logs", member: "double", args: [null], kwargs: {}, instance: null };
  const got = [];
  for await (const x of client.invokeStream(spec, { input: [1, 2, 3], timeoutMs: 5000 })) got.push(x);
  assert.deepEqual(got, [2, 4, 6]);
  assert.equal(gw.sent[1].window, 64);
  assert.equal(gw.sent[1].timeoutMs, 5000);
  await client.close();
});

test("streams: interceptors see a streaming call from its start to its end and set its metadata", async () => {
  const seen = [];
  const tagger = {
    beforeCall(ctx) {
      seen.push(`before ${ctx.member}`);
      ctx.metadata["X-Tenant"] = "t1";
    },
    afterCall(_ctx, result) {
      seen.push(`after ${result}`);
      return result;
    },
  };
  const { script } = producer();
  const { gw, factory } = fakeGateway(script);
  const client = await Client.connect(binding, { url: "tcp://x:1", transportFactory: factory, interceptors: [tagger] });
  const got = [];
  for await (const x of client.stream(tail, [3])) got.push(x);
  assert.deepEqual(got, [0, 1, 2]);
  assert.deepEqual(gw.sent[1].metadata, { "x-tenant": "t1" });
  assert.deepEqual(seen, ["before tail", "after null"]);
  await client.close();
});
