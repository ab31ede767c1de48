// The TypeScript client through nginx when its gateway dies (tests/deploy/test_typescript.py):
// node failover.mjs RUNTIME_ENTRY URL VICTIM_PID. Finds two connections on the victim, starts
// an idempotent call and a plain one (1 s each), prints READY, and once both settle prints
// what each returned or threw, as JSON.
import { pathToFileURL } from "node:url";

const [entry, url, victim] = process.argv.slice(2);
const { Client, t } = await import(pathToFileURL(entry).href);

const binding = { module: "clustermod", version: "1.0.0", schemaHash: "", errors: {}, classes: {} };
const spec = (member, params, returns, idempotent = false) => ({
  kind: "call", target: "clustermod", member, params, returns, idempotent,
});
const param = (name, type) => ({ name, wire: name, kind: "either", type, optional: false });
const whoami = spec("whoami", [], t.int, true);
const slowWhoami = spec("slow_whoami", [param("delay", t.float)], t.int, true);
const echo = spec("echo", [param("tag", t.str), param("delay", t.float)], t.list(t.str));

const onVictim = [];
const others = [];
while (onVictim.length < 2) {
  if (others.length > 100) throw new Error(`no connection reached gateway ${victim}`);
  const c = await Client.connect(binding, { url, timeoutMs: 20_000, onWarning: () => {} });
  const pid = await c.call(whoami, []);
  (String(pid) === victim ? onVictim : others).push(c);
}
await Promise.all(others.map((c) => c.close()));

const settle = (p) =>
  p.then(
    (value) => ({ value: String(value) }),
    (e) => ({ error: e.name, code: e.code, retrySafe: e.retrySafe ?? null, message: e.message }),
  );
const idempotent = settle(onVictim[0].call(slowWhoami, [1.0]));
const plain = settle(onVictim[1].call(echo, ["x", 1.0]));
process.stdout.write("READY\n");
const out = { idempotent: await idempotent, plain: await plain };
await Promise.all(onVictim.map((c) => c.close()));
process.stdout.write(JSON.stringify(out) + "\n");
