// Runs docs/protocol.md's test vectors through the TypeScript runtime. Reads a JSON array of
// prepared vectors on stdin (tests/typescript/test_vectors.py converts big integers, bin, ext
// and floats into tagged objects), prints one JSON result per vector.
import { protocol, FrameReader, decode, encode, Float64, WireExt, GraftError, statusName } from "graftcode-runtime";

const { decodeMessage, encodeMessage, InstanceRef, PeerProtocolError } = protocol;
const hex = (b) => Buffer.from(b).toString("hex");
const fromHex = (h) => new Uint8Array(Buffer.from(h, "hex"));

// Tagged JSON -> the values our decoder yields (for comparison) and our encoder takes.
function toValue(j, forEncode) {
  if (Array.isArray(j)) return j.map((x) => toValue(x, forEncode));
  if (j !== null && typeof j === "object") {
    if ("$bigint" in j) {
      const b = BigInt(j.$bigint);
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
const hasFloat = (j) => JSON.stringify(j).includes('"$float"');

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
      const payload = payloadOf(v);
      decodeMessage(payload);
      return { name: v.name, ok: false, detail: `decoded without error; expected ${v.error.code}` };
    } catch (e) {
      const got = codeName(e);
      return { name: v.name, ok: got === v.error.code, detail: `got ${got}: ${e.message}` };
    }
  }
  const payload = payloadOf(v);
  const problems = [];
  // 1. our msgpack decoder reads the bytes as the vector says
  const generic = decode(payload, undefined, protocol.extensionCodec);
  const d1 = same(generic, toValue(v.msgpack, false));
  if (d1) problems.push(`decode: ${d1}`);
  // 2. the message decoder accepts it and encodes the meaning back to the same bytes
  const message = decodeMessage(payload);
  if (!hasFloat(v.msgpack)) {
    const again = encodeMessage(message);
    if (hex(again) !== hex(payload)) problems.push(`re-encode: ${hex(again)} != ${hex(payload)}`);
  }
  // 3. our encoder writes the vector's value with exactly its bytes (floats as float 64)
  const direct = encode(toValue(v.msgpack, true));
  if (hex(direct) !== hex(payload)) problems.push(`encode: ${hex(direct)} != ${hex(payload)}`);
  if (v.kind !== undefined && message.type !== v.kind.toLowerCase()) problems.push(`kind: ${message.type} != ${v.kind}`);
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
