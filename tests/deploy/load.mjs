// Steady load from the TypeScript client, for the rolling-restart test (tests/deploy):
// node load.mjs RUNTIME_ENTRY CALLERS URL... Each caller has its own client (so its own
// connection through the balancer) and calls echo(tag) until a line arrives on stdin; then the
// counts and every failure are printed as JSON.
import { pathToFileURL } from "node:url";

const [entry, callers, ...urls] = process.argv.slice(2);
const { Client, t } = await import(pathToFileURL(entry).href);

const binding = { module: "clustermod", version: "1.0.0", schemaHash: "", errors: {}, classes: {} };
const param = (name, type) => ({ name, wire: name, kind: "either", type, optional: false });
const echo = {
  kind: "call", target: "clustermod", member: "echo",
  params: [param("tag", t.str), param("delay", t.float)], returns: t.list(t.str),
};

let stop = false;
process.stdin.on("data", () => { stop = true; });
const out = { ok: 0, crossed: 0, failures: [], gateways: {} };

async function caller(i) {
  const client = Client.lazy(binding, { url: urls[i % urls.length], timeoutMs: 10_000, onWarning: () => {} });
  for (let n = 0; !stop; n++) {
    const tag = `ts${i}:${n}`;
    try {
      const [got, pid] = await client.call(echo, [tag, 0.02]);
      out.ok += 1;
      out.gateways[pid] = (out.gateways[pid] ?? 0) + 1;
      if (got !== tag) out.crossed += 1;
    } catch (e) {
      out.failures.push(`${e.name} ${e.code}: ${e.message}`);
    }
  }
  await client.close();
}

process.stdout.write("READY\n");
await Promise.all([...Array(Number(callers)).keys()].map(caller));
process.stdout.write(JSON.stringify(out) + "\n");
process.exit(0);
