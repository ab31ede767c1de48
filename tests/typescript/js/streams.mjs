// Streams from Node against a real `graftc serve` hosting tests/typescript/fixtures/tsstream.py:
// prints {"checks": [{name, ok, detail}]}. argv: the gateway URL, a directory for the marker
// files the hosted generators write from their `finally` blocks.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { connect, Cancelled, DeadlineExceeded, TooFar } from "graft-tsstream";

const [url, dir] = process.argv.slice(2);
const checks = [];
async function check(name, body) {
  try {
    const detail = await body();
    checks.push({ name, ok: true, detail: String(detail ?? "") });
  } catch (e) {
    checks.push({ name, ok: false, detail: `${e?.name}: ${e?.message}` });
  }
}
function expect(cond, what) {
  if (!cond) throw new Error(what);
}
// The generator's finally runs on the gateway after our CANCEL (or disconnect) arrives: wait
// for its marker file (no timing assumption beyond a generous bound).
async function closed(marker) {
  for (let i = 0; i < 400 && !existsSync(marker); i++) await sleep(25);
  expect(existsSync(marker), `the generator's finally did not run (${marker})`);
}

const c = await connect({ url });
const s = c.tsstream;

await check("10,000 items in order", async () => {
  let next = 0;
  for await (const x of s.count(10_000)) {
    expect(x === next, `item ${next} was ${x}`);
    next++;
  }
  expect(next === 10_000, `got ${next} items`);
});

await check("a declared error after 3 items, typed, after them", async () => {
  const got = [];
  try {
    for await (const x of s.failAfter(3)) got.push(x);
    throw new Error("no error");
  } catch (e) {
    expect(e instanceof TooFar && e.at === 3, `got ${e?.name} ${e?.message}`);
  }
  expect(JSON.stringify(got) === "[0,1,2]", `items ${JSON.stringify(got)}`);
});

await check("break after 3 items closes the generator on the gateway", async () => {
  const marker = join(dir, "break");
  const got = [];
  for await (const x of s.count(1_000_000, marker)) {
    got.push(x);
    if (got.length === 3) break;
  }
  await closed(marker);
  expect((await c.client.ping()) >= 0, "the connection still works");
});

await check("an AbortSignal cancels mid-stream", async () => {
  const marker = join(dir, "abort");
  const ac = new AbortController();
  let n = 0;
  try {
    for await (const _ of s.count(1_000_000, marker, { signal: ac.signal })) {
      if (++n === 3) ac.abort();
    }
    throw new Error("not cancelled");
  } catch (e) {
    expect(e instanceof Cancelled, `got ${e?.name}: ${e?.message}`);
  }
  expect(n === 3, `took ${n} items`);
  await closed(marker);
});

await check("the deadline covers the whole stream", async () => {
  const marker = join(dir, "deadline");
  let n = 0;
  try {
    for await (const _ of s.slow(1000, 0.02, marker, { timeoutMs: 400 })) n++;
    throw new Error("no deadline");
  } catch (e) {
    expect(e instanceof DeadlineExceeded, `got ${e?.name}: ${e?.message}`);
  }
  expect(n > 0 && n < 1000, `took ${n} items`);
  await closed(marker);
});

await check("a client stream within the gateway's credit", async () => {
  async function* numbers() {
    for (let i = 1; i <= 1000; i++) yield i;
  }
  const sum = await s.total(numbers());
  expect(sum === 500500, `sum ${sum}`);
  expect((await s.total([1, 2, 3])) === 6, "a plain array is a client stream too");
});

await check("a bidirectional stream", async () => {
  const got = [];
  for await (const w of s.shout(["a", "b", "c"])) got.push(w);
  expect(JSON.stringify(got) === '["A","B","C"]', JSON.stringify(got));
});

await check("an instance method streams through its proxy", async () => {
  const feed = await c.Feed.create("x");
  const got = [];
  for await (const line of feed.lines(3)) got.push(line);
  await feed.close();
  expect(JSON.stringify(got) === '["x0","x1","x2"]', JSON.stringify(got));
});

await check("a disconnect mid-stream closes the generator", async () => {
  const marker = join(dir, "disconnect");
  const other = await connect({ url });
  let n = 0;
  try {
    for await (const _ of other.tsstream.count(1_000_000, marker)) {
      if (++n === 3) await other.close();
    }
  } catch {
    // the stream fails with ConnectionLost: expected
  }
  await closed(marker);
});

await c.close();
process.stdout.write(JSON.stringify({ checks }));
