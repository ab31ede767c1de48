// Unit tests of graftcode-runtime with node:test; tests/typescript/test_runtime_unit.py runs them.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  Client,
  ConnectionLost,
  DeadlineExceeded,
  Cancelled,
  Float64,
  FrameReader,
  GraftError,
  RemoteError,
  StatusCode,
  WireMap,
  decode,
  encode,
  frame,
  fromWire,
  parseEndpoint,
  protocol,
  resolveOptions,
  t,
  toWire,
} from "graftcode-runtime";

import { fakeGateway } from "./fake_gateway.mjs";

const hex = (b) => Buffer.from(b).toString("hex");
const noInstances = { toWire: () => { throw new Error("no"); }, fromWire: () => { throw new Error("no"); } };

test("msgpack: shortest ints, float64 always for Float64, str/bin/array/map headers", () => {
  assert.equal(hex(encode(1)), "01");
  assert.equal(hex(encode(-1)), "ff");
  assert.equal(hex(encode(-33)), "d0df");
  assert.equal(hex(encode(200)), "ccc8");
  assert.equal(hex(encode(70000)), "ce00011170");
  assert.equal(hex(encode(2 ** 40)), "cf0000010000000000");
  assert.equal(hex(encode(-(2 ** 40))), "d3ffffff0000000000");
  assert.equal(hex(encode(2n ** 63n - 1n)), "cf7fffffffffffffff");
  assert.equal(hex(encode(new Float64(1))), "cb3ff0000000000000");
  assert.equal(hex(encode(1.5)), "cb3ff8000000000000");
  assert.equal(hex(encode("a".repeat(32))).slice(0, 4), "d920");
  assert.equal(hex(encode(new Uint8Array([1, 2]))), "c4020102");
  assert.equal(hex(encode([1, null, true])), "9301c0c3");
  assert.equal(hex(encode({ a: 1 })), "81a16101");
  assert.equal(hex(encode(new WireMap([[1, "x"]]))), "8101a178");
  assert.throws(() => encode(2n ** 64n), RangeError);
});

test("msgpack decode: big ints stay exact, limits and bad input are refused", () => {
  assert.equal(decode(encode(2n ** 60n)), 2n ** 60n);
  assert.equal(decode(encode(2 ** 40)), 2 ** 40);
  assert.throws(() => decode(new Uint8Array([0x92, 0x01])));
  assert.throws(() => decode(new Uint8Array([0x01, 0x02])), /Extra/);
  assert.throws(() => decode(encode([[[1]]]), { maxMessageSize: 100, maxDepth: 2, maxContainerLen: 10 }), /nested/);
  assert.throws(() => decode(encode([1, 2, 3]), { maxMessageSize: 100, maxDepth: 5, maxContainerLen: 2 }));
  assert.throws(() => decode(new Uint8Array([0xa2, 0xc3, 0x28])), /UTF-8/);
  assert.throws(() => decode(new Uint8Array([0xd6, 0xff, 0, 0, 0, 1]), undefined, protocol.extensionCodec), /extension type -1/);
  assert.throws(() => decode(new Uint8Array([0xd4, 0x05, 0]), undefined, protocol.extensionCodec), /extension type 5/);
});

test("framing: length prefix, split and joined chunks, oversize refused before buffering", () => {
  const r = new FrameReader(16);
  const a = frame(new Uint8Array([1, 2, 3]));
  const b = frame(new Uint8Array([4]));
  const all = new Uint8Array([...a, ...b]);
  assert.deepEqual(r.feed(all.subarray(0, 2)), []);
  const got = r.feed(all.subarray(2));
  assert.deepEqual(got.map((m) => [...m]), [[1, 2, 3], [4]]);
  assert.throws(() => new FrameReader(16).feed(new Uint8Array([0, 0, 1, 0])), /limit/);
});

test("protocol: CALL bytes match docs/protocol.md section 10, and decode back", () => {
  const bytes = protocol.encodeMessage({
    type: "call", id: 1, op: "call", target: "calculator", member: "add", instance: null,
    args: [1, 2], kwargs: {}, timeoutMs: null, metadata: null,
  });
  assert.equal(hex(bytes), "9a010100aa63616c63756c61746f72a3616464c092010280c0c0");
  const m = protocol.decodeMessage(bytes);
  assert.equal(m.type, "call");
  assert.equal(m.target, "calculator");
  assert.equal(hex(protocol.encodeMessage({ type: "result", id: 1, value: 3 })), "93020103");
});

test("protocol: instance reference is ext 1 with a uint64 id and the class name", () => {
  const ext = protocol.encodeInstanceRef(new protocol.InstanceRef("Cart", 42));
  assert.equal(hex(encode(ext)), "c70c01000000000000002a43617274");
  const back = decode(encode([ext]), undefined, protocol.extensionCodec)[0];
  assert.equal(back.className, "Cart");
  assert.equal(back.id, 42);
  assert.equal(hex(encode(protocol.encodeInstanceRef(new protocol.InstanceRef("", 1)))), "d7010000000000000001");
});

test("protocol: malformed messages give the GOAWAY code the spec names", () => {
  const code = (bytes) => {
    try {
      protocol.decodeMessage(bytes);
      return "ok";
    } catch (e) {
      return e.goawayCode;
    }
  };
  assert.equal(code(encode([99])), StatusCode.UNIMPLEMENTED);
  assert.equal(code(encode({})), StatusCode.INVALID_ARGUMENT);
  assert.equal(code(encode([0, "hyperTUBE", 1, 0, {}])), StatusCode.INVALID_ARGUMENT);
  assert.equal(code(encode([2, 1])), StatusCode.INVALID_ARGUMENT);
  assert.equal(code(encode([2, 1, 3, "extra elements are ignored"])), "ok");
});

test("endpoints parse like the Python runtime", () => {
  assert.equal(parseEndpoint("tcp://127.0.0.1:7470").url, "tcp://127.0.0.1:7470");
  assert.equal(parseEndpoint("ws://h/").port, 7471);
  assert.equal(parseEndpoint("tcp+tls://h:1").tls, true);
  assert.equal(parseEndpoint("wss://[::1]:9/x?y=1").url, "wss://[::1]:9/x?y=1");
  assert.throws(() => parseEndpoint("tcp://h"), /no port/);
  assert.throws(() => parseEndpoint("http://h:1"), /unknown scheme/);
});

test("config: code beats environment beats generated default; no global URL", () => {
  const env = { GRAFT_SHOP_URL: "ws://env:1/", GRAFT_TIMEOUT: "2.5", GRAFT_SHOP_METADATA: "a=1, b=2", GRAFT_URL: "ws://global:1/" };
  const r = resolveOptions("shop", {}, { url: "tcp://gen:1" }, env);
  assert.equal(r.url, "ws://env:1/");
  assert.equal(r.timeoutMs, 2500);
  assert.deepEqual(r.metadata, { a: "1", b: "2" });
  assert.equal(resolveOptions("shop", { url: "tcp://code:1", metadata: { b: "3" } }, {}, env).url, "tcp://code:1");
  assert.deepEqual(resolveOptions("shop", { metadata: { b: "3" } }, {}, env).metadata, { a: "1", b: "3" });
  // keys are lowercased in each layer before the code's override the environment's
  const upper = { GRAFT_SHOP_METADATA: "X-A=1, X-B=2" };
  assert.deepEqual(resolveOptions("shop", { metadata: { "x-b": "3" } }, {}, upper).metadata, { "x-a": "1", "x-b": "3" });
  assert.deepEqual(resolveOptions("shop", { metadata: { "X-A": "4" } }, {}, upper).metadata, { "x-a": "4", "x-b": "2" });
  assert.throws(() => resolveOptions("shop", {}, {}, { GRAFT_METADATA: "k=1,K=2" }), /GRAFT_METADATA: keys "k" and "K" differ only in case/);
  assert.equal(resolveOptions("calc", {}, { url: "tcp://gen:1" }, env).url, "tcp://gen:1");
  assert.equal(resolveOptions("calc", { url: "h:5", transport: "ws" }, {}, {}).url, "ws://h:5");
  assert.throws(() => resolveOptions("calc", { url: "tcp://h:5", transport: "ws" }, {}, {}), /contradicts/);
  assert.throws(() => resolveOptions("calc", {}, {}, { GRAFT_CALC_TIMEOUT: "soon" }), /seconds/);
});

const Product = t.record("Product", () => [
  { name: "sku", wire: "sku", type: t.str },
  { name: "unitPrice", wire: "unit_price", type: t.decimal },
  { name: "tags", wire: "tags", type: t.list(t.str), default: () => [] },
  { name: "note", wire: "note", type: t.optional(t.str) },
]);

test("values: records by wire name, defaults filled, unknown fields ignored", () => {
  const w = toWire(Product, { sku: "a", unitPrice: "1.50", note: null }, "p", noInstances);
  assert.deepEqual(w, { sku: "a", unit_price: "1.50", note: null });
  const v = fromWire(Product, { sku: "a", unit_price: "2", note: null, extra: 1 }, "r", noInstances);
  assert.deepEqual(v, { sku: "a", unitPrice: "2", tags: [], note: null });
  assert.throws(() => fromWire(Product, { sku: "a" }, "r", noInstances), (e) => e.code === StatusCode.DATA_LOSS && /unit_price/.test(e.message));
  assert.throws(() => toWire(Product, { unitPrice: "1" }, "p", noInstances), (e) => e.code === StatusCode.INVALID_ARGUMENT && /sku/.test(e.message));
});

test("values: ints, floats, enums, maps, bytes, dates", () => {
  assert.ok(toWire(t.float, 2, "x", noInstances) instanceof Float64);
  assert.throws(() => toWire(t.int, 1.5, "x", noInstances), /integer/);
  assert.throws(() => fromWire(t.int, 2n ** 60n, "x", noInstances), (e) => e.code === StatusCode.OUT_OF_RANGE);
  const E = t.enum("Color", ["red", "blue"]);
  assert.throws(() => toWire(E, "green", "x", noInstances), /Color/);
  assert.throws(() => fromWire(E, "green", "x", noInstances), (e) => e.code === StatusCode.DATA_LOSS);
  const m = toWire(t.map(t.int, t.str), new Map([[1, "a"]]), "x", noInstances);
  assert.ok(m instanceof WireMap);
  const back = fromWire(t.map(t.int, t.str), { 1: "a" }, "x", noInstances);
  assert.equal(back.get(1), "a");
  assert.equal(toWire(t.date, new Date("2024-05-06T10:00:00Z"), "x", noInstances), "2024-05-06");
  assert.throws(() => fromWire(t.bytes, "abc", "x", noInstances), (e) => e.code === StatusCode.DATA_LOSS);
});

test("values: unions tagged by member text, literal sets bare, tuples of their length", () => {
  const U = t.union([["float", t.float], ["int", t.int], ["list<str>", t.list(t.str)]]);
  assert.deepEqual(toWire(U, 3, "x", noInstances), ["int", 3]); // an integer prefers int
  const f = toWire(U, 2.5, "x", noInstances);
  assert.equal(f[0], "float");
  assert.ok(f[1] instanceof Float64);
  assert.deepEqual(toWire(U, ["a"], "x", noInstances), ["list<str>", ["a"]]);
  assert.throws(() => toWire(U, true, "x", noInstances), (e) => e.code === StatusCode.INVALID_ARGUMENT && /float \| int \| list<str>/.test(e.message));
  assert.equal(fromWire(U, ["int", 4], "x", noInstances), 4);
  assert.throws(() => fromWire(U, 4, "x", noInstances), (e) => e.code === StatusCode.DATA_LOSS);
  assert.throws(() => fromWire(U, ["bytes", 4], "x", noInstances), (e) => e.code === StatusCode.DATA_LOSS);
  assert.equal(toWire(t.optional(U), null, "x", noInstances), null); // T? stays untagged
  const L = t.literal(["kg", "lb"]);
  assert.equal(toWire(L, "kg", "x", noInstances), "kg");
  assert.throws(() => toWire(L, "oz", "x", noInstances), (e) => e.code === StatusCode.INVALID_ARGUMENT);
  assert.throws(() => fromWire(L, "oz", "x", noInstances), (e) => e.code === StatusCode.DATA_LOSS);
  const T = t.tuple([t.int, t.str]);
  assert.deepEqual(toWire(T, [1, "a"], "x", noInstances), [1, "a"]);
  assert.throws(() => toWire(T, [1], "x", noInstances), (e) => e.code === StatusCode.INVALID_ARGUMENT);
  assert.throws(() => fromWire(T, [1, 2], "x", noInstances), (e) => e.code === StatusCode.DATA_LOSS && /x\[1\]/.test(e.message));
});

test("values: a duration is { seconds, microseconds } <-> an int of microseconds, exact", () => {
  const D = t.duration;
  assert.equal(toWire(D, { seconds: 90, microseconds: 0 }, "x", noInstances), 90_000_000);
  assert.equal(toWire(D, { seconds: 0, microseconds: -1 }, "x", noInstances), -1);
  assert.equal(toWire(D, { seconds: 2 ** 40, microseconds: 1 }, "x", noInstances), 2n ** 40n * 1_000_000n + 1n);
  assert.deepEqual(fromWire(D, -1, "x", noInstances), { seconds: -1, microseconds: 999999 });
  assert.deepEqual(fromWire(D, 2n ** 62n, "x", noInstances), { seconds: 4611686018427, microseconds: 387904 });
  for (const bad of [1500, { seconds: 1.5, microseconds: 0 }, { seconds: 1 }, { seconds: 9.3e12, microseconds: 0 }]) {
    assert.throws(() => toWire(D, bad, "x", noInstances), (e) => e.code === StatusCode.INVALID_ARGUMENT);
  }
  assert.throws(() => fromWire(D, 1.5, "x", noInstances), (e) => e.code === StatusCode.DATA_LOSS);
  assert.throws(() => fromWire(D, "PT1S", "x", noInstances), (e) => e.code === StatusCode.DATA_LOSS);
});

// ---- the client against a scripted gateway (a fake transport) -------------------------------

const hello = { type: "hello", major: 1, minor: 0, info: { module: "calc", schema: "x", limits: { max_message_size: 4096 } } };
const binding = { module: "calc", version: "1.0.0", schemaHash: "x", errors: {}, classes: {} };
const add = { kind: "call", target: "calc", member: "add", params: [
  { name: "a", wire: "a", kind: "either", type: t.int, optional: false },
  { name: "b", wire: "b", kind: "keyword", type: t.int, optional: true },
], returns: t.int };

test("client: handshake, multiplexed answers in any order, kwargs by wire name", async () => {
  const { gw, factory } = fakeGateway((m, gw) => {
    if (m.type === "hello") gw.reply(hello);
    if (m.type === "call" && m.id === 2) {
      gw.reply({ type: "result", id: 2, value: 20 });
      gw.reply({ type: "result", id: 1, value: 10 });
    }
  });
  const client = await Client.connect(binding, { url: "tcp://x:1", transportFactory: factory });
  assert.equal(gw.sent[0].info.module, "calc");
  const [a, b] = await Promise.all([client.call(add, [1], { b: 2 }), client.call(add, [3], undefined)]);
  assert.deepEqual([a, b], [10, 20]);
  assert.deepEqual(gw.sent[1].kwargs, { a: 1, b: 2 });
  await client.close();
});

test("client: deadline sends CANCEL, reports DeadlineExceeded, drops the late answer", async () => {
  let late;
  const { gw, factory } = fakeGateway((m, gw) => {
    if (m.type === "hello") gw.reply(hello);
    if (m.type === "cancel") late = () => gw.reply({ type: "error", id: m.id, code: 1, message: "cancelled", typeName: null, fields: null, traceback: null });
    if (m.type === "call" && m.id === 2) gw.reply({ type: "result", id: 2, value: 7 });
  });
  const client = await Client.connect(binding, { url: "tcp://x:1", transportFactory: factory });
  await assert.rejects(client.call(add, [1], { timeoutMs: 20 }), DeadlineExceeded);
  assert.equal(gw.sent.at(-1).type, "cancel");
  assert.equal(gw.sent[1].timeoutMs, 20);
  late();
  assert.equal(await client.call(add, [2]), 7, "the connection survives the late answer");
  await client.close();
});

test("client: AbortSignal cancels; an aborted signal sends nothing", async () => {
  const { gw, factory } = fakeGateway((m, gw) => {
    if (m.type === "hello") gw.reply(hello);
  });
  const client = await Client.connect(binding, { url: "tcp://x:1", transportFactory: factory });
  const ac = new AbortController();
  const p = client.call(add, [1], { signal: ac.signal });
  ac.abort();
  await assert.rejects(p, Cancelled);
  const before = gw.sent.length;
  await assert.rejects(client.call(add, [1], { signal: ac.signal }), Cancelled);
  assert.equal(gw.sent.length, before);
  await client.close();
});

test("client: GOAWAY fails calls above last_id as UNAVAILABLE, answers the rest", async () => {
  const { gw, factory } = fakeGateway((m, gw) => {
    if (m.type === "hello") gw.reply(hello);
    if (m.type === "call" && m.id === 2) {
      gw.reply({ type: "goaway", lastId: 1, code: 0, message: "shutting down" });
      gw.reply({ type: "result", id: 1, value: 1 });
    }
  });
  const client = await Client.connect(binding, { url: "tcp://x:1", transportFactory: factory, reconnect: false });
  const first = client.call(add, [1]);
  const second = client.call(add, [2]);
  assert.equal(await first, 1);
  await assert.rejects(second, (e) => e instanceof GraftError && e.code === StatusCode.UNAVAILABLE);
  await client.close();
});

test("client: refused handshake reports the gateway's code and message", async () => {
  const { factory } = fakeGateway((m, gw) => {
    if (m.type === "hello") gw.reply({ type: "goaway", lastId: 0, code: 5, message: "no module 'calc'; hosted: shop" });
  });
  await assert.rejects(Client.connect(binding, { url: "tcp://x:1", transportFactory: factory }), (e) => e.code === StatusCode.NOT_FOUND && /hosted: shop/.test(e.message));
});

test("client: remote errors, lost connection, message size limit, protocol errors", async () => {
  const { gw, factory } = fakeGateway((m, gw) => {
    if (m.type === "hello") gw.reply(hello);
    if (m.type === "call" && m.id === 1) gw.reply({ type: "error", id: 1, code: 3, message: "argument 'a': expected int", typeName: null, fields: null, traceback: null });
    if (m.type === "call" && m.id === 2) gw.drop();
  });
  const client = await Client.connect(binding, { url: "tcp://x:1", transportFactory: factory, reconnect: false });
  await assert.rejects(client.call(add, [1]), (e) => e instanceof RemoteError && e.code === StatusCode.INVALID_ARGUMENT);
  await assert.rejects(client.call(add, [1]), ConnectionLost);
  await client.close();

  const big = fakeGateway((m, gw) => {
    if (m.type === "hello") gw.reply(hello);
    if (m.type === "call") gw.reply({ type: "result", id: 99, value: 1 });
  });
  const c2 = await Client.connect(binding, { url: "tcp://x:1", transportFactory: big.factory, reconnect: false });
  const echo = { ...add, params: [{ name: "s", wire: "s", kind: "either", type: t.str, optional: false }], returns: t.str };
  await assert.rejects(c2.call(echo, ["x".repeat(5000)]), (e) => e.code === StatusCode.RESOURCE_EXHAUSTED);
  await assert.rejects(c2.call(echo, ["x"]), /not in flight/);
  assert.equal(big.gw.sent.at(-1).type, "goaway");
  await c2.close();
});

test("client: metadata keys are checked before sending", async () => {
  const { gw, factory } = fakeGateway((m, gw) => {
    if (m.type === "hello") gw.reply(hello);
  });
  const client = await Client.connect(binding, { url: "tcp://x:1", transportFactory: factory });
  await assert.rejects(client.call(add, [1], { metadata: { "x user": "1" } }), /ASCII letters/);
  await assert.rejects(client.call(add, [1], { metadata: { "\u212Aey": "1" } }), /ASCII letters/); // Kelvin sign: not lowercased to "k"
  await assert.rejects(client.call(add, [1], { metadata: { "graft-x": "1" } }), /reserved/);
  await assert.rejects(client.call(add, [1], { metadata: { "Graft-X": "1" } }), /reserved/);
  assert.equal(gw.sent.filter((m) => m.type === "call").length, 0, "nothing was sent");
  await client.close();
});

test("client: metadata keys are sent lowercase; the later layer wins whatever the case", async () => {
  const { gw, factory } = fakeGateway((m, gw) => {
    if (m.type === "hello") gw.reply(hello);
    if (m.type === "call") gw.reply({ type: "result", id: m.id, value: m.id });
  });
  const client = await Client.connect(binding, {
    url: "tcp://x:1", transportFactory: factory, metadata: { "X-Tenant": "acme", "X-Region": "eu" },
  });
  await client.call(add, [1], { metadata: { "X-User": "ann", "x-region": "us" } });
  await client.call(add, [1]);
  const calls = gw.sent.filter((m) => m.type === "call");
  assert.deepEqual(calls[0].metadata, { "x-tenant": "acme", "x-region": "us", "x-user": "ann" });
  assert.deepEqual(calls[1].metadata, { "x-tenant": "acme", "x-region": "eu" });
  await client.close();
});

test("client: two metadata keys differing only in case are refused, naming both", async () => {
  const { gw, factory } = fakeGateway((m, gw) => {
    if (m.type === "hello") gw.reply(hello);
  });
  const client = await Client.connect(binding, { url: "tcp://x:1", transportFactory: factory });
  await assert.rejects(
    client.call(add, [1], { metadata: { "X-User": "ann", "x-user": "bob" } }),
    (e) => e instanceof GraftError && e.code === StatusCode.INVALID_ARGUMENT &&
      e.message.includes('"X-User" and "x-user" differ only in case'),
  );
  assert.equal(gw.sent.filter((m) => m.type === "call").length, 0, "nothing was sent");
  await client.close();
  await assert.rejects(
    Client.connect(binding, { url: "tcp://x:1", transportFactory: factory, metadata: { "A-B": "1", "a-b": "2" } }),
    /ClientOptions.metadata: keys "A-B" and "a-b" differ only in case/,
  );
});

test("client: calls beyond the gateway's max_concurrent_calls wait for a slot", async () => {
  const limited = { ...hello, info: { ...hello.info, limits: { max_message_size: 4096, max_concurrent_calls: 2 } } };
  const held = [];
  const { gw, factory } = fakeGateway((m, gw) => {
    if (m.type === "hello") gw.reply(limited);
    // every call is answered exactly once, later, in order (a cancelled one too)
    if (m.type === "call") held.push(() => gw.reply({ type: "result", id: m.id, value: m.id }));
  });
  const client = await Client.connect(binding, { url: "tcp://x:1", transportFactory: factory });
  const calls = [1, 2, 3, 4].map((i) => client.call(add, [i], { timeoutMs: i === 2 ? 20 : 0 }));
  await new Promise((r) => setTimeout(r, 5));
  assert.equal(gw.sent.filter((m) => m.type === "call").length, 2, "only two calls go out");
  await assert.rejects(calls[1], DeadlineExceeded);
  assert.equal(gw.sent.filter((m) => m.type === "call").length, 2, "the given-up call keeps its slot until answered");
  while (held.length) {
    held.shift()();
    await new Promise((r) => setTimeout(r, 1));
  }
  assert.deepEqual(await Promise.all([calls[0], calls[2], calls[3]]), [1, 3, 4]);
  await client.close();
});
