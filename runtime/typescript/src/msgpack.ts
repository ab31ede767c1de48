/**
 * msgpack for the Hypertube protocol.
 *
 * Decoding uses `@msgpack/msgpack` (with size limits). Encoding is our own small writer, because the
 * protocol needs control the library does not give per value: a JS number that holds a whole
 * value must still go out as float64 when its declared type is `float` ({@link Float64}), and maps
 * with integer keys ({@link WireMap}) cannot be written from plain objects.
 */
import { Decoder, ExtData, ExtensionCodec } from "@msgpack/msgpack";
import { GraftError, StatusCode } from "./errors.js";

/** A number to be written as msgpack float64 even if it is whole (e.g. `1.0`). */
export class Float64 {
  constructor(readonly value: number) {}
}

/** A msgpack map with keys of any wire type, in order (plain objects only carry string keys). */
export class WireMap {
  constructor(readonly entries: ReadonlyArray<readonly [unknown, unknown]>) {}
}

/** A msgpack extension value (type and raw data) to write. */
export class WireExt {
  constructor(
    readonly type: number,
    readonly data: Uint8Array,
  ) {}
}

/** Limits applied to every message a peer sends us (docs/protocol.md section 8). */
export interface DecodeLimits {
  /** Payload bytes of one message; also bounds str, bin and ext lengths. */
  maxMessageSize: number;
  /** Nesting of arrays and maps; the message array itself is depth 1. */
  maxDepth: number;
  /** Elements of one array or entries of one map. */
  maxContainerLen: number;
}

export const DEFAULT_DECODE_LIMITS: DecodeLimits = {
  maxMessageSize: 4 * 1024 * 1024,
  maxDepth: 64,
  maxContainerLen: 1_048_576,
};

const MAX_DEPTH_ENCODE = 256;
const textEncoder = new TextEncoder();

class Writer {
  private buf = new Uint8Array(256);
  private view = new DataView(this.buf.buffer);
  private pos = 0;

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): void {
    this.ensure(1);
    this.view.setUint8(this.pos, v);
    this.pos += 1;
  }
  u16(v: number): void {
    this.ensure(2);
    this.view.setUint16(this.pos, v);
    this.pos += 2;
  }
  u32(v: number): void {
    this.ensure(4);
    this.view.setUint32(this.pos, v);
    this.pos += 4;
  }
  tagged(
    tag: number,
    kind: "i8" | "i16" | "i32" | "i64" | "u64" | "f64",
    v: number | bigint,
  ): void {
    const sizes = { i8: 1, i16: 2, i32: 4, i64: 8, u64: 8, f64: 8 } as const;
    this.u8(tag);
    this.ensure(sizes[kind]);
    const p = this.pos;
    switch (kind) {
      case "i8":
        this.view.setInt8(p, Number(v));
        break;
      case "i16":
        this.view.setInt16(p, Number(v));
        break;
      case "i32":
        this.view.setInt32(p, Number(v));
        break;
      case "i64":
        this.view.setBigInt64(p, BigInt(v));
        break;
      case "u64":
        this.view.setBigUint64(p, BigInt(v));
        break;
      case "f64":
        this.view.setFloat64(p, Number(v));
        break;
    }
    this.pos += sizes[kind];
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

function writeInt(w: Writer, v: bigint): void {
  if (v >= 0n) {
    if (v < 0x80n) w.u8(Number(v));
    else if (v < 0x100n) {
      w.u8(0xcc);
      w.u8(Number(v));
    } else if (v < 0x10000n) {
      w.u8(0xcd);
      w.u16(Number(v));
    } else if (v < 0x100000000n) {
      w.u8(0xce);
      w.u32(Number(v));
    } else if (v < 0x10000000000000000n) w.tagged(0xcf, "u64", v);
    else throw new RangeError(`integer ${v} does not fit in 64 bits`);
  } else {
    if (v >= -0x20n) w.u8(Number(v) & 0xff);
    else if (v >= -0x80n) w.tagged(0xd0, "i8", v);
    else if (v >= -0x8000n) w.tagged(0xd1, "i16", v);
    else if (v >= -0x80000000n) w.tagged(0xd2, "i32", v);
    else if (v >= -0x8000000000000000n) w.tagged(0xd3, "i64", v);
    else throw new RangeError(`integer ${v} does not fit in 64 bits`);
  }
}

function writeHeader(
  w: Writer,
  len: number,
  fix: number | null,
  fixMax: number,
  t8: number | null,
  t16: number,
  t32: number,
): void {
  if (fix !== null && len <= fixMax) w.u8(fix | len);
  else if (t8 !== null && len < 0x100) {
    w.u8(t8);
    w.u8(len);
  } else if (len < 0x10000) {
    w.u8(t16);
    w.u16(len);
  } else if (len <= 0xffffffff) {
    w.u8(t32);
    w.u32(len);
  } else throw new RangeError(`too long for msgpack: ${len}`);
}

function write(w: Writer, v: unknown, depth: number): void {
  if (depth > MAX_DEPTH_ENCODE) throw new RangeError("value nested too deeply to encode");
  if (v === null || v === undefined) w.u8(0xc0);
  else if (v === true) w.u8(0xc3);
  else if (v === false) w.u8(0xc2);
  else if (typeof v === "number") {
    if (Number.isSafeInteger(v)) writeInt(w, BigInt(v));
    else w.tagged(0xcb, "f64", v);
  } else if (typeof v === "bigint") writeInt(w, v);
  else if (v instanceof Float64) w.tagged(0xcb, "f64", v.value);
  else if (typeof v === "string") {
    const b = textEncoder.encode(v);
    writeHeader(w, b.length, 0xa0, 31, 0xd9, 0xda, 0xdb);
    w.bytes(b);
  } else if (v instanceof Uint8Array) {
    writeHeader(w, v.length, null, 0, 0xc4, 0xc5, 0xc6);
    w.bytes(v);
  } else if (Array.isArray(v)) {
    writeHeader(w, v.length, 0x90, 15, null, 0xdc, 0xdd);
    for (const item of v) write(w, item, depth + 1);
  } else if (v instanceof WireMap) {
    writeHeader(w, v.entries.length, 0x80, 15, null, 0xde, 0xdf);
    for (const [k, val] of v.entries) {
      write(w, k, depth + 1);
      write(w, val, depth + 1);
    }
  } else if (v instanceof WireExt) {
    const n = v.data.length;
    const fixed: Record<number, number> = { 1: 0xd4, 2: 0xd5, 4: 0xd6, 8: 0xd7, 16: 0xd8 };
    const tag = fixed[n];
    if (tag !== undefined) w.u8(tag);
    else writeHeader(w, n, null, 0, 0xc7, 0xc8, 0xc9);
    w.u8(v.type & 0xff);
    w.bytes(v.data);
  } else if (v instanceof Map) {
    write(w, new WireMap([...v.entries()]), depth);
  } else if (typeof v === "object") {
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
    writeHeader(w, entries.length, 0x80, 15, null, 0xde, 0xdf);
    for (const [k, val] of entries) {
      write(w, k, depth + 1);
      write(w, val, depth + 1);
    }
  } else throw new TypeError(`cannot encode a ${typeof v} in msgpack`);
}

/** Encode a wire value: null, boolean, number, bigint, string, Uint8Array, array, map. */
export function encode(value: unknown): Uint8Array {
  const w = new Writer();
  write(w, value, 0);
  return w.result();
}

/** A decoded map: keys are kept with their wire types when they are not all strings. */
function mapKeyConverter(key: unknown): string | number {
  if (typeof key === "string" || typeof key === "number") return key;
  if (typeof key === "bigint") return key.toString();
  throw new TypeError(`map key of type ${typeof key} is not allowed`);
}

/**
 * Readers of msgpack extension types, by type number: each turns an extension's data into a
 * value (read once, on first use). This is our own type, not `@msgpack/msgpack`'s
 * `ExtensionCodec`, so that no public declaration of the runtime imports that package's
 * declarations: they name DOM globals (`BufferSource`, `ReadableStream`) and fail `tsc` in Node
 * applications that check libraries (no `skipLibCheck`) and have no DOM lib.
 */
export type ExtensionReaders = Readonly<Record<number, (data: Uint8Array) => unknown>>;

const codecs = new WeakMap<ExtensionReaders, ExtensionCodec>();

function codecFor(readers: ExtensionReaders): ExtensionCodec {
  let codec = codecs.get(readers);
  if (codec === undefined) {
    codec = new ExtensionCodec();
    for (const [type, read] of Object.entries(readers)) {
      codec.register({ type: Number(type), encode: () => null, decode: (data) => read(data) });
    }
    codecs.set(readers, codec);
  }
  return codec;
}

/**
 * Decode one msgpack value. Integers beyond 2^53 come back as `bigint` (never rounded); others
 * as `number`. Throws on malformed input, trailing bytes, input beyond `limits`, or an
 * extension type without a reader in `extensions`.
 */
export function decode(
  bytes: Uint8Array,
  limits: DecodeLimits = DEFAULT_DECODE_LIMITS,
  extensions?: ExtensionReaders,
): unknown {
  const extensionCodec = extensions === undefined ? undefined : codecFor(extensions);
  const decoder = new Decoder({
    useBigInt64: true,
    maxStrLength: limits.maxMessageSize,
    maxBinLength: limits.maxMessageSize,
    maxArrayLength: limits.maxContainerLen,
    maxMapLength: limits.maxContainerLen,
    maxExtLength: extensionCodec === undefined ? 0 : limits.maxMessageSize,
    mapKeyConverter,
    ...(extensionCodec === undefined ? {} : { extensionCodec }),
  });
  strictUtf8(decoder);
  const value = decoder.decode(bytes);
  return normalise(value, 0, limits.maxDepth);
}

const fatalUtf8 = new TextDecoder("utf-8", { fatal: true });

interface DecoderInternals {
  bytes: Uint8Array;
  pos: number;
  decodeUtf8String(byteLength: number, headerOffset: number): string;
}

/**
 * The library replaces invalid UTF-8 silently; the protocol says a receiver rejects it. Its
 * string hook is a method, so this instance gets a checking one (pinned by package-lock, and
 * covered by the bad-UTF-8 tests).
 */
function strictUtf8(decoder: Decoder): void {
  const d = decoder as unknown as DecoderInternals;
  const original = d.decodeUtf8String.bind(d);
  d.decodeUtf8String = (byteLength: number, headerOffset: number): string => {
    const start = d.pos + headerOffset;
    const out = original(byteLength, headerOffset);
    const raw = d.bytes.subarray(start, start + byteLength);
    for (let i = 0; i < raw.length; i++) {
      if (raw[i]! >= 0x80) {
        try {
          fatalUtf8.decode(raw);
        } catch {
          throw new GraftError("a string is not valid UTF-8", StatusCode.INVALID_ARGUMENT);
        }
        break;
      }
    }
    return out;
  };
}

function normalise(v: unknown, depth: number, maxDepth: number): unknown {
  if (typeof v === "bigint") {
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(v)
      : v;
  }
  if (v instanceof ExtData) {
    throw new GraftError(
      `msgpack extension type ${v.type} is not part of the protocol`,
      StatusCode.INVALID_ARGUMENT,
    );
  }
  if (v instanceof Date) {
    throw new GraftError(
      "msgpack extension type -1 (timestamp) is not part of the protocol",
      StatusCode.INVALID_ARGUMENT,
    );
  }
  if (
    v === null ||
    typeof v !== "object" ||
    v instanceof Uint8Array ||
    !(Array.isArray(v) || Object.getPrototypeOf(v) === Object.prototype)
  ) {
    return v;
  }
  if (depth >= maxDepth) {
    throw new GraftError(
      `message nested deeper than ${maxDepth} levels`,
      StatusCode.RESOURCE_EXHAUSTED,
    );
  }
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = normalise(v[i], depth + 1, maxDepth);
    return v;
  }
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) o[k] = normalise(o[k], depth + 1, maxDepth);
  return o;
}
