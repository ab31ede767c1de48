// The retry policy of idempotent calls (sans-IO, clock and random given), its settings, and the
// client's failover rules against a scripted gateway: a call refused unrun by GOAWAY is resent
// on a new connection; a call lost in flight is retried only when its member is idempotent.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  Client,
  ConnectionLost,
  GraftError,
  RemoteError,
  RetryBudget,
  Retrier,
  StatusCode,
  resolveOptions,
  retryPolicy,
  runWithRetry,
  t,
} from "graftcode-runtime";

import { fakeGateway } from "./fake_gateway.mjs";

const LOST = new ConnectionLost("connection lost");
const retrier = (policy, deadline = null, random = () => 1) =>
  new Retrier(new RetryBudget(retryPolicy(policy)), deadline, random);

test("retry: exponential backoff up to its cap, full jitter", () => {
  const r = retrier({ maxAttempts: 5, initialBackoffMs: 100, maxBackoffMs: 300 });
  assert.deepEqual([1, 2, 3, 4, 5].map(() => r.delay(LOST, 0)), [100, 200, 300, 300, null]);
  assert.equal(retrier({}, null, () => 0.5).delay(LOST, 0), 25);
});

test("retry: only UNAVAILABLE, never past the deadline, within the budget", () => {
  const r = retrier({});
  assert.equal(r.delay(new GraftError("bad", StatusCode.INVALID_ARGUMENT), 0), null);
  assert.equal(r.delay(new Error("not a call failure"), 0), null);
  assert.equal(retrier({ initialBackoffMs: 1000 }, 10_000).delay(LOST, 9500), null);
  const budget = new RetryBudget(retryPolicy({ maxAttempts: 100, budgetTokens: 4, budgetRatio: 0.5 }));
  assert.equal(new Retrier(budget, null, () => 0).delay(LOST, 0), 0); // 3 tokens left
  assert.equal(new Retrier(budget, null, () => 0).delay(LOST, 0), null); // 2: not above half
  budget.succeeded();
  budget.succeeded();
  assert.equal(budget.tokens, 3);
  assert.throws(() => retryPolicy({ maxAttempts: 0 }), GraftError);
});

test("retry: runWithRetry sleeps the backoff and passes the time left", async () => {
  let now = 0;
  const seen = [];
  const r = retrier({ initialBackoffMs: 1000, maxBackoffMs: 5000 }, 10_000);
  const value = await runWithRetry(
    async (left) => {
      seen.push(left);
      if (seen.length < 3) throw LOST;
      return "ok";
    },
    r,
    () => now,
    async (ms) => {
      now += ms;
    },
  );
  assert.equal(value, "ok");
  assert.deepEqual(seen, [10_000, 9000, 7000]);
});

test("retry: settings from code over environment, checked", () => {
  const env = { GRAFT_CALC_RETRY_ATTEMPTS: "1", GRAFT_RETRY_BACKOFF: "0.2" };
  const r = resolveOptions("calc", { url: "tcp://x:1" }, {}, env);
  assert.equal(r.retry.maxAttempts, 1);
  assert.equal(r.retry.initialBackoffMs, 200);
  assert.equal(resolveOptions("calc", { url: "tcp://x:1", retry: { maxAttempts: 4 } }, {}, env).retry.maxAttempts, 4);
  assert.throws(
    () => resolveOptions("calc", { url: "tcp://x:1" }, {}, { GRAFT_CALC_RETRY_ATTEMPTS: "0" }),
    /GRAFT_CALC_RETRY_ATTEMPTS/,
  );
});

const hello = { type: "hello", major: 1, minor: 0, info: { module: "calc", schema: "x" } };
const binding = { module: "calc", version: "1.0.0", schemaHash: "x", errors: {}, classes: {} };
const get = { kind: "call", target: "calc", member: "get", params: [], returns: t.int };
const getIdempotent = { ...get, idempotent: true };

/** A gateway whose first connection answers calls with `first`, later ones with a result. */
function flaky(first) {
  let connections = 0;
  const fake = fakeGateway((m, gw) => {
    if (m.type === "hello") {
      connections += 1;
      gw.reply(hello);
    }
    if (m.type === "call") {
      if (connections === 1) first(m, gw);
      else gw.reply({ type: "result", id: m.id, value: connections });
    }
  });
  return { ...fake, connections: () => connections };
}

test("client: a call a GOAWAY refused unrun is resent on a new connection", async () => {
  const { factory, connections } = flaky((m, gw) =>
    gw.reply({ type: "goaway", lastId: m.id - 1, code: 0, message: "draining" }),
  );
  const client = await Client.connect(binding, { url: "tcp://x:1", transportFactory: factory });
  assert.equal(await client.call(get, []), 2);
  assert.equal(connections(), 2);
  await client.close();
});

test("client: a call lost in flight is retried only for an idempotent member", async () => {
  const plain = flaky((_m, gw) => gw.drop());
  const c1 = await Client.connect(binding, { url: "tcp://x:1", transportFactory: plain.factory });
  await assert.rejects(c1.call(get, []), (e) => e instanceof ConnectionLost && !e.retrySafe);
  await c1.close();

  const idem = flaky((_m, gw) => gw.drop());
  const retry = { initialBackoffMs: 0 };
  const c2 = await Client.connect(binding, { url: "tcp://x:1", transportFactory: idem.factory, retry });
  assert.equal(await c2.call(getIdempotent, []), 2);
  await c2.close();

  const off = flaky((_m, gw) => gw.drop());
  const c3 = await Client.connect(binding, {
    url: "tcp://x:1",
    transportFactory: off.factory,
    retry: { maxAttempts: 1 },
  });
  await assert.rejects(c3.call(getIdempotent, []), ConnectionLost);
  await c3.close();
});

test("client: a declared error of an idempotent member is not retried", async () => {
  const error = { type: "error", code: 3, message: "bad", typeName: null, fields: null, traceback: null };
  const g = flaky((m, gw) => gw.reply({ ...error, id: m.id }));
  const client = await Client.connect(binding, { url: "tcp://x:1", transportFactory: g.factory });
  await assert.rejects(client.call(getIdempotent, []), RemoteError);
  assert.equal(g.connections(), 1);
  await client.close();
});

test("client: a connection cut during its handshake is opened again, twice at most", async () => {
  const cut = (drops) => {
    let hellos = 0;
    const fake = fakeGateway((m, gw) => {
      if (m.type === "hello") {
        hellos += 1;
        if (hellos <= drops) gw.drop();
        else gw.reply(hello);
      }
      if (m.type === "call") gw.reply({ type: "result", id: m.id, value: hellos });
    });
    return { ...fake, hellos: () => hellos };
  };
  const twice = cut(2);
  const client = await Client.connect(binding, { url: "tcp://x:1", transportFactory: twice.factory });
  assert.equal(await client.call(get, []), 3);
  await client.close();

  const always = cut(10);
  await assert.rejects(
    Client.connect(binding, { url: "tcp://x:1", transportFactory: always.factory }),
    (e) => e instanceof ConnectionLost && e.retrySafe,
  );
  assert.equal(always.hellos(), 3);
});
