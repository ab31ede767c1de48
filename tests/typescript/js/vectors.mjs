// Runs docs/protocol.md's test vectors through the TypeScript runtime. Reads a JSON array of
// prepared vectors on stdin (tests/typescript/test_vectors.py converts big integers, bin, ext
// and floats into tagged objects), prints one JSON result per vector.
import { protocol, FrameReader, decode, encode, Float64, WireExt, GraftError, statusName } from "graftcode-runtime";

const { decodeMessage, encodeMessage, InstanceRef, PeerProtocolError, ProtocolState } = protocol;
const DEFAULT_LIMITS = { max_message_size: 4194304, max_depth: 64, max_container_len: 1048576, max_instances: 10000, max_concurrent_calls: 1000 };
const OPS = { call: "CALL", new: "NEW", get: "GET", set: "SET" };

// Our decoded message as the vectors' "message" (docs/protocol.md 11), in decoded-value form.
function meaning(m) {
  switch (m.type) {
    case "hello": {
      const i = m.info;
      const out = {
        kind: "HELLO", major: m.major, minor: m.minor,
        module: i.module ?? "", version: i.version ?? "", schema: i.schema ?? "",
        limits: { ...DEFAULT_LIMITS, ...(i.limits ?? {}) },
        features: i.features ?? [], agent: i.agent ?? "",
      };
      if (i.auth !== undefined && i.auth !== null) out.auth = i.auth;
      if (i.modules && i.modules.length) out.modules = i.modules;
      if (i.debug === true) out.debug = true;
      for (const key of ["stream_window", "max_streams"]) if (key in i) out[key] = i[key];
      return out;
    }
    case "call": {
      const out = { kind: "CALL", id: m.id, op: OPS[m.op], target: m.target, member: m.member, instance: m.instance, args: m.args, kwargs: m.kwargs, timeout_ms: m.timeoutMs, metadata: m.metadata };
      if (m.window !== undefined) out.window = m.window;
      return out;
    }
    case "item":
      return { kind: "ITEM", id: m.id, value: m.value };
    case "end":
      return { kind: "END", id: m.id };
    case "window":
      return { kind: "WINDOW", id: m.id, n: m.n };
    case "result":
      return { kind: "RESULT", id: m.id, value: m.value };
    case "error":
      return { kind: "ERROR", id: m.id, code: statusName(m.code), message: m.message, type_name: m.typeName, fields: m.fields, traceback: m.traceback };
    case "cancel":
      return { kind: "CANCEL", id: m.id };
    case "release":
      return { kind: "RELEASE", ids: m.ids };
    case "ping":
    case "pong":
      return { kind: m.type.toUpperCase(), opaque: m.opaque };
    case "goaway":
      return { kind: "GOAWAY", last_id: m.lastId, code: statusName(m.code), message: m.message };
  }
}

// A ProtocolState in the state a bad vector's "when" names. `*_stream` (docs/protocol.md 11):
// the feature stream in effect (the gateway's stream_window 2) and call 1 in flight, with
// window 1, for a member that takes a client stream.
function stateFor(when) {
  const [role, phase] = when.split("_");
  const st = new ProtocolState(role);
  if (phase === "stream") {
    const client = { type: "hello", major: 1, minor: 0, info: { features: ["stream"] } };
    const server = { type: "hello", major: 1, minor: 0, info: { features: ["stream"], stream_window: 2 } };
    const call = { type: "call", id: 1, op: "call", target: "files", member: "sync", instance: null, args: [null], kwargs: {}, timeoutMs: null, metadata: null, window: 1 };
    if (role === "client") {
      st.sent(client);
      st.received(server);
      st.sent(call, true);
    } else {
      st.received(client);
      st.sent(server);
      st.received(call);
      st.streams.acceptStream(1);
    }
    return st;
  }
  if (phase === "open") {
    const hello = { type: "hello", major: 1, minor: 0, info: {} };
    if (role === "client") {
      st.sent(hello);
      st.received(hello);
    } else {
      st.received(hello);
      st.sent(hello);
    }
  }
  return st;
}
const hex = (b) => Buffer.from(b).toString("hex");
const fromHex = (h) => new Uint8Array(Buffer.from(h, "hex"));

// Tagged JSON -> the values our decoder yields (for comparison) and our encoder takes.
function toValue(j, forEncode) {
  if (Array.isArray(j)) return j.map((x) => toValue(x, forEncode));
  if (j !== null && typeof j === "object") {
    if ("$bigint" in j || "$int" in j) {
      const b = BigInt(j.$bigint ?? j.$int);
      return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
    }
    if ("$bin" in j) return fromHex(j.$bin);
    if ("$float" in j) return forEncode ? new Float64(j.$float) : j.$float;
    if ("$instance" in j) {
      const ref = new InstanceRef(j.class ?? "", j.$instance);
      return forEncode ? protocol.encodeInstanceRef(ref) : ref;
    }
    if ("$ext" in j) return forEncode ? new WireExt(j.$ext, fromHex(j.hex)) : { ext: j.$ext, hex: j.hex };
    if ("$map" in j) {
      // a map with non-string keys: [[k, v], ...]
      const entries = j.$map.map(([k, v]) => [toValue(k, forEncode), toValue(v, forEncode)]);
      if (forEncode) return new Map(entries);
      return Object.fromEntries(entries.map(([k, v]) => [String(k), v]));
    }
    const out = {};
    for (const [k, v] of Object.entries(j)) out[k] = toValue(v, forEncode);
    return out;
  }
  return j;
}

function same(a, b, path = "$") {
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    if (!(a instanceof Uint8Array && b instanceof Uint8Array) || hex(a) !== hex(b)) return `${path}: ${fmt(a)} != ${fmt(b)}`;
    return null;
  }
  if (a instanceof InstanceRef || b instanceof InstanceRef) {
    if (!(a instanceof InstanceRef && b instanceof InstanceRef) || a.id !== b.id || a.className !== b.className) return `${path}: ${fmt(a)} != ${fmt(b)}`;
    return null;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return `${path}: ${fmt(a)} != ${fmt(b)}`;
    for (let i = 0; i < a.length; i++) {
      const d = same(a[i], b[i], `${path}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  if (a !== null && b !== null && typeof a === "object" && typeof b === "object") {
    const ka = Object.keys(a), kb = Object.keys(b);
    if (ka.length !== kb.length) return `${path}: keys ${ka} != ${kb}`;
    for (const k of ka) {
      const d = same(a[k], b[k], `${path}.${k}`);
      if (d) return d;
    }
    return null;
  }
  return a === b || (typeof a === "number" && typeof b === "number" && Number.isNaN(a) && Number.isNaN(b)) ? null : `${path}: ${fmt(a)} != ${fmt(b)}`;
}
const fmt = (v) => {
  try {
    return JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? `${x}n` : x instanceof Uint8Array ? `bin:${hex(x)}` : x));
  } catch {
    return String(v);
  }
};
// Generic (untyped) decoding cannot remember that 2.0 was a float or that a map had int keys;
// typed decoding does (the declared type says so), so such values skip the re-encode check.
const hasFloat = (j) => /"\$float"|"\$map"/.test(JSON.stringify(j));

function payloadOf(v) {
  const bytes = fromHex(v.hex);
  if (!v.framed) return bytes;
  const frames = new FrameReader(v.maxMessageSize ?? 4 * 1024 * 1024).feed(bytes);
  if (frames.length !== 1) throw new Error(`expected one frame, got ${frames.length}`);
  return frames[0];
}

function codeName(e) {
  if (e instanceof PeerProtocolError) return statusName(e.goawayCode);
  if (e instanceof GraftError) return statusName(e.code);
  return `not a GraftError: ${e}`;
}

function run(v) {
  if (v.error) {
    try {
      const bytes = fromHex(v.hex);
      let payloads = [bytes];
      if (v.framed) {
        const reader = new FrameReader(4 * 1024 * 1024);
        payloads = reader.feed(bytes);
        if (v.error.when === "eof") reader.eof();
      }
      const state = stateFor(v.error.when);
      for (const p of payloads) state.received(decodeMessage(p));
      return { name: v.name, ok: false, detail: `accepted without error; expected ${v.error.code}` };
    } catch (e) {
      const got = codeName(e);
      return { name: v.name, ok: got === v.error.code, detail: `got ${got}: ${e.message}` };
    }
  }
  const payload = payloadOf(v);
  const problems = [];
  const message = decodeMessage(payload);
  // 1. the message means what the vector says
  const d0 = same(meaning(message), toValue(v.message, false));
  if (d0) problems.push(`meaning: ${d0}`);
  if (v.canonical !== false) {
    // 2. our msgpack decoder reads the bytes as the vector's msgpack value
    const d1 = same(decode(payload, undefined, protocol.extensionCodec), toValue(v.msgpack, false));
    if (d1) problems.push(`decode: ${d1}`);
    // 3. the meaning encodes back to the same bytes (floats aside: JS numbers forget 2.0 vs 2)
    if (!hasFloat(v.msgpack)) {
      const again = encodeMessage(message);
      if (hex(again) !== hex(payload)) problems.push(`re-encode: ${hex(again)} != ${hex(payload)}`);
    }
    // 4. our encoder writes the vector's value with exactly its bytes (floats as float 64)
    const direct = encode(toValue(v.msgpack, true));
    if (hex(direct) !== hex(payload)) problems.push(`encode: ${hex(direct)} != ${hex(payload)}`);
  }
  return { name: v.name, ok: problems.length === 0, detail: problems.join("; ") };
}

let input = "";
process.stdin.setEncoding("utf8");
for await (const chunk of process.stdin) input += chunk;
const results = JSON.parse(input).map((v) => {
  try {
    return run(v);
  } catch (e) {
    return { name: v.name, ok: false, detail: `threw ${e?.name}: ${e?.message}` };
  }
});
process.stdout.write(JSON.stringify(results));
