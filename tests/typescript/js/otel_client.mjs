// A Node client span whose context reaches the Python gateway: run by test_otel_e2e.py with the
// gateway's URL; prints the finished client spans as JSON.
import { Client } from "graftcode-runtime";
import { ClientTracing } from "graftcode-runtime/otel";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const binding = { module: "authprobe", version: "1.0.0", schemaHash: "", errors: {}, classes: {} };
const client = await Client.connect(binding, {
  url: process.argv[2],
  interceptors: [new ClientTracing({ tracerProvider: provider })],
});
const spec = (member) => ({ kind: "call", target: "authprobe", member, args: [], kwargs: {}, instance: null });
const answers = [await client.invoke(spec("whoami"))];
try {
  await client.invoke({ ...spec("fail"), args: ["boom"] });
} catch (e) {
  answers.push(e.code);
}
await client.close();
const spans = exporter.getFinishedSpans().map((s) => ({
  name: s.name,
  trace_id: s.spanContext().traceId,
  span_id: s.spanContext().spanId,
  status: s.status.code,
  code: s.attributes["rpc.graftcode.status_code"],
}));
process.stdout.write(JSON.stringify({ answers, spans }));
