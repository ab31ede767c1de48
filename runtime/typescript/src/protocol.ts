/**
 * The Hypertube protocol 1.0 messages (docs/protocol.md), sans-IO: bytes in, events out, and
 * events in, bytes out. Nothing here touches a socket or a timer, so the test vectors exercise
 * exactly the code the client runs.
 */
import { GraftError, ProtocolError, StatusCode } from "./errors.js";
import { MAX_WINDOW, StreamRules } from "./stream-rules.js";
import {
  decode,
  encode,
  DEFAULT_DECODE_LIMITS,
  WireExt,
  type DecodeLimits,
  type ExtensionReaders,
} from "./msgpack.js";

export const MAGIC = "hypertube";
export const PROTOCOL_MAJOR = 1;
export const PROTOCOL_MINOR = 0;
/** The msgpack extension type of instance references. */
export const INSTANCE_EXT = 1;

export const Kind = {
  HELLO: 0,
  CALL: 1,
  RESULT: 2,
  ERROR: 3,
  CANCEL: 4,
  RELEASE: 5,
  PING: 6,
  PONG: 7,
  GOAWAY: 8,
  ITEM: 9,
  END: 10,
  WINDOW: 11,
} as const;
export type Kind = (typeof Kind)[keyof typeof Kind];
const KIND_NAMES = [
  "HELLO",
  "CALL",
  "RESULT",
  "ERROR",
  "CANCEL",
  "RELEASE",
  "PING",
  "PONG",
  "GOAWAY",
  "ITEM",
  "END",
  "WINDOW",
] as const;

export const Op = { call: 0, new: 1, get: 2, set: 3 } as const;
export type OpName = keyof typeof Op;
const OP_NAMES: readonly OpName[] = ["call", "new", "get", "set"];

/** A reference to an instance the gateway holds for this connection (ext type 1). */
export class InstanceRef {
  constructor(
    readonly className: string,
    readonly id: number,
  ) {}
}

/** A call id: a number, or a bigint beyond 2^53 (ids go up to 2^63-1). */
export type CallId = number | bigint;

export interface Hello {
  type: "hello";
  major: number;
  minor: number;
  info: Record<string, unknown>;
}
export interface Call {
  type: "call";
  id: CallId;
  op: OpName;
  target: string;
  member: string;
  instance: InstanceRef | null;
  args: readonly unknown[];
  kwargs: Readonly<Record<string, unknown>>;
  timeoutMs: number | null;
  metadata: Readonly<Record<string, string | Uint8Array>> | null;
  /** Feature `stream`: present exactly when the result is a stream, the initial credit. */
  window?: number;
}
export interface Result {
  type: "result";
  id: CallId;
  value: unknown;
}
export interface ErrorReply {
  type: "error";
  id: CallId;
  code: number;
  message: string;
  typeName: string | null;
  fields: Record<string, unknown> | null;
  traceback: string | null;
}
export interface Cancel {
  type: "cancel";
  id: CallId;
}
export interface Release {
  type: "release";
  ids: readonly number[];
}
export interface Ping {
  type: "ping";
  opaque: number | bigint;
}
export interface Pong {
  type: "pong";
  opaque: number | bigint;
}
export interface GoAway {
  type: "goaway";
  lastId: CallId;
  code: number;
  message: string;
}
/** One item of call `id`'s stream (docs/protocol.md 5.5). */
export interface Item {
  type: "item";
  id: CallId;
  value: unknown;
}
/** The client stream of call `id` has no more items. */
export interface End {
  type: "end";
  id: CallId;
}
/** The sender may receive `n` more items of call `id`'s stream. */
export interface Window {
  type: "window";
  id: CallId;
  n: number;
}
export type Message =
  | Hello
  | Call
  | Result
  | ErrorReply
  | Cancel
  | Release
  | Ping
  | Pong
  | GoAway
  | Item
  | End
  | Window;

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder("utf-8", { fatal: true });

/** The ext-1 payload: the id as uint64 big-endian, then the class name in UTF-8. */
export function encodeInstanceRef(ref: InstanceRef): WireExt {
  const name = textEncoder.encode(ref.className);
  const data = new Uint8Array(8 + name.length);
  new DataView(data.buffer).setBigUint64(0, BigInt(ref.id));
  data.set(name, 8);
  return new WireExt(INSTANCE_EXT, data);
}

export function decodeInstanceRef(data: Uint8Array): InstanceRef {
  if (data.length < 8)
    throw new ProtocolError(`an instance reference needs 8 id bytes, got ${data.length}`);
  const id = new DataView(data.buffer, data.byteOffset, data.byteLength).getBigUint64(0);
  if (id > BigInt(Number.MAX_SAFE_INTEGER))
    throw new ProtocolError(`instance id ${id} is beyond 2^53`);
  let name: string;
  try {
    name = textDecoder.decode(data.subarray(8));
  } catch {
    throw new ProtocolError("an instance reference's class name is not valid UTF-8");
  }
  return new InstanceRef(name, Number(id));
}

/** The protocol's only extension type (ext 1, instance references), for `decode`. */
export const extensionCodec: ExtensionReaders = { [INSTANCE_EXT]: decodeInstanceRef };

/** A value with every InstanceRef in it (at any depth) turned into its ext-1 form. */
function wireValue(v: unknown): unknown {
  if (v instanceof InstanceRef) return encodeInstanceRef(v);
  if (Array.isArray(v)) return v.map(wireValue);
  if (v !== null && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = wireValue(x);
    return out;
  }
  return v;
}

/** Encode one message to its msgpack payload (no length prefix). */
export function encodeMessage(m: Message): Uint8Array {
  switch (m.type) {
    case "hello":
      return encode([Kind.HELLO, MAGIC, m.major, m.minor, m.info]);
    case "call":
      return encode([
        Kind.CALL,
        m.id,
        Op[m.op],
        m.target,
        m.member,
        m.instance === null ? null : encodeInstanceRef(m.instance),
        wireValue(m.args),
        wireValue(m.kwargs),
        m.timeoutMs,
        m.metadata,
        // sent only when used: a unary CALL keeps the 10 elements of version 1.0
        ...(m.window === undefined ? [] : [m.window]),
      ]);
    case "result":
      return encode([Kind.RESULT, m.id, wireValue(m.value)]);
    case "error":
      return encode([
        Kind.ERROR,
        m.id,
        m.code,
        m.message,
        m.typeName,
        wireValue(m.fields),
        m.traceback,
      ]);
    case "cancel":
      return encode([Kind.CANCEL, m.id]);
    case "release":
      return encode([Kind.RELEASE, m.ids]);
    case "ping":
      return encode([Kind.PING, m.opaque]);
    case "pong":
      return encode([Kind.PONG, m.opaque]);
    case "goaway":
      return encode([Kind.GOAWAY, m.lastId, m.code, m.message]);
    case "item":
      return encode([Kind.ITEM, m.id, wireValue(m.value)]);
    case "end":
      return encode([Kind.END, m.id]);
    case "window":
      return encode([Kind.WINDOW, m.id, m.n]);
  }
}

/** A protocol violation by the peer, with the status code the GOAWAY must carry. */
export class PeerProtocolError extends ProtocolError {
  override name = "PeerProtocolError";
  constructor(
    message: string,
    readonly goawayCode: StatusCode,
  ) {
    super(message);
  }
}

function bad(message: string, code: StatusCode = StatusCode.INVALID_ARGUMENT): PeerProtocolError {
  return new PeerProtocolError(message, code);
}

function isUint(v: unknown): v is number | bigint {
  return (
    (typeof v === "number" && Number.isInteger(v) && v >= 0) || (typeof v === "bigint" && v >= 0n)
  );
}
function uint(v: unknown, what: string): number {
  if (typeof v === "number" && Number.isInteger(v) && v >= 0) return v;
  if (typeof v === "bigint" && v >= 0n) throw bad(`${what} ${v} is beyond 2^53`);
  throw bad(`${what} must be an unsigned integer`);
}
/** Call ids go up to 2^63-1: beyond 2^53 they stay bigint. */
function callId(v: unknown, what = "id"): CallId {
  if (typeof v === "bigint" && v >= 0n) {
    if (v > MAX_CALL_ID) throw bad(`${what} ${v} is beyond 2^63-1`);
    return v;
  }
  return uint(v, what);
}
const MAX_CALL_ID = 2n ** 63n - 1n;
function windowSize(v: unknown): number {
  if (typeof v === "bigint" || (typeof v === "number" && v > MAX_WINDOW))
    throw bad(`a window of ${String(v)} is beyond 2^32-1`);
  const n = uint(v, "window");
  if (n === 0) throw bad("a window must be at least 1");
  return n;
}
function str(v: unknown, what: string): string {
  if (typeof v !== "string") throw bad(`${what} must be a string`);
  return v;
}
function optStr(v: unknown, what: string): string | null {
  return v === null ? null : str(v, what);
}
function isMap(v: unknown): v is Record<string, unknown> {
  return (
    v !== null &&
    typeof v === "object" &&
    !Array.isArray(v) &&
    !(v instanceof Uint8Array) &&
    !(v instanceof InstanceRef) &&
    !(v instanceof Map)
  );
}
function map(v: unknown, what: string): Record<string, unknown> {
  if (!isMap(v)) throw bad(`${what} must be a map`);
  return v;
}

/** Decode one payload into a message; throws PeerProtocolError saying what is wrong. */
export function decodeMessage(
  bytes: Uint8Array,
  limits: DecodeLimits = DEFAULT_DECODE_LIMITS,
): Message {
  if (bytes.length > limits.maxMessageSize) {
    throw bad(
      `a ${bytes.length}-byte message is over the ${limits.maxMessageSize}-byte limit`,
      StatusCode.RESOURCE_EXHAUSTED,
    );
  }
  let v: unknown;
  try {
    v = decode(bytes, limits, extensionCodec);
  } catch (e) {
    if (e instanceof PeerProtocolError) throw e;
    if (e instanceof GraftError && e.code === StatusCode.RESOURCE_EXHAUSTED)
      throw bad(e.message, StatusCode.RESOURCE_EXHAUSTED);
    const text = (e as Error).message;
    if (/max.*length|exceeds max/i.test(text))
      throw bad(`message over a limit: ${text}`, StatusCode.RESOURCE_EXHAUSTED);
    throw bad(`invalid msgpack: ${text}`);
  }
  if (!Array.isArray(v) || v.length === 0) throw bad("a message must be a non-empty array");
  const kind = v[0];
  if (!isUint(kind)) throw bad("the message kind must be an unsigned integer");
  const need = (n: number): void => {
    if (v.length < n)
      throw bad(`a ${KIND_NAMES[Number(kind)] ?? "message"} needs ${n} elements, got ${v.length}`);
  };
  switch (kind) {
    case Kind.HELLO: {
      // Only kind, magic, major and minor are frozen across versions: a HELLO of another major
      // version is decoded that far, so the receiver can say clearly that versions differ.
      need(4);
      if (v[1] !== MAGIC) throw bad(`not a Hypertube peer (magic ${JSON.stringify(v[1])})`);
      const major = uint(v[2], "major");
      const minor = uint(v[3], "minor");
      if (major !== PROTOCOL_MAJOR) return { type: "hello", major, minor, info: {} };
      need(5);
      return { type: "hello", major, minor, info: map(v[4], "HELLO info") };
    }
    case Kind.CALL: {
      need(10);
      const op = OP_NAMES[uint(v[2], "op")];
      if (op === undefined) throw bad(`unknown op ${String(v[2])}`);
      const instance = v[5];
      if (instance !== null && !(instance instanceof InstanceRef))
        throw bad("instance must be nil or an instance reference");
      if (!Array.isArray(v[6])) throw bad("args must be an array");
      const metadata =
        v[9] === null ? null : (map(v[9], "metadata") as Record<string, string | Uint8Array>);
      // an 11th element that is not a window is a later version's: ignored (section 3)
      const window = isUint(v[10]) ? windowSize(v[10]) : undefined;
      return {
        ...(window === undefined ? {} : { window }),
        type: "call",
        id: callId(v[1]),
        op,
        target: str(v[3], "target"),
        member: str(v[4], "member"),
        instance,
        args: v[6],
        kwargs: map(v[7], "kwargs"),
        timeoutMs: v[8] === null ? null : uint(v[8], "timeout_ms"),
        metadata,
      };
    }
    case Kind.RESULT:
      need(3);
      return { type: "result", id: callId(v[1]), value: v[2] };
    case Kind.ERROR:
      need(7);
      return {
        type: "error",
        id: callId(v[1]),
        code: uint(v[2], "code"),
        message: str(v[3], "message"),
        typeName: optStr(v[4], "type_name"),
        fields: v[5] === null ? null : map(v[5], "fields"),
        traceback: optStr(v[6], "traceback"),
      };
    case Kind.CANCEL:
      need(2);
      return { type: "cancel", id: callId(v[1]) };
    case Kind.RELEASE: {
      need(2);
      if (!Array.isArray(v[1])) throw bad("RELEASE needs an array of ids");
      return { type: "release", ids: v[1].map((x) => uint(x, "instance id")) };
    }
    case Kind.PING:
    case Kind.PONG: {
      need(2);
      const opaque = v[1];
      if (!isUint(opaque)) throw bad("opaque must be an unsigned integer");
      return { type: kind === Kind.PING ? "ping" : "pong", opaque };
    }
    case Kind.GOAWAY:
      need(4);
      return {
        type: "goaway",
        lastId: callId(v[1], "last_id"),
        code: uint(v[2], "code"),
        message: str(v[3], "message"),
      };
    case Kind.ITEM:
      need(3);
      return { type: "item", id: callId(v[1]), value: v[2] };
    case Kind.END:
      need(2);
      return { type: "end", id: callId(v[1]) };
    case Kind.WINDOW:
      need(3);
      return { type: "window", id: callId(v[1]), n: windowSize(v[2]) };
    default:
      throw bad(`unknown message kind ${String(kind)}`, StatusCode.UNIMPLEMENTED);
  }
}

export { wireValue };

const FROM_CLIENT: ReadonlySet<Message["type"]> = new Set([
  "hello",
  "call",
  "cancel",
  "release",
  "ping",
  "pong",
  "goaway",
  "item",
  "end",
  "window",
]);
const FROM_GATEWAY: ReadonlySet<Message["type"]> = new Set([
  "hello",
  "result",
  "error",
  "ping",
  "pong",
  "goaway",
  "item",
  "window",
]);

/**
 * The rules of a connection beyond single messages (docs/protocol.md 4 and 5), for either end:
 * HELLO first, the right direction for each kind, increasing call ids, answers only for calls
 * in flight. `received` throws PeerProtocolError with the GOAWAY code; `sent` records our side.
 */
export class ProtocolState {
  private phase: "handshake" | "open" = "handshake";
  private helloSent = false;
  private lastCallId: CallId = 0;
  private readonly inFlight = new Set<CallId>();
  /** Streams (docs/protocol.md 5.5): the feature and the credit both ways. */
  readonly streams: StreamRules;

  constructor(readonly role: "client" | "server") {
    this.streams = new StreamRules(role, bad);
  }

  get isOpen(): boolean {
    return this.phase === "open";
  }

  /** The highest call id sent (client) or accepted (server): GOAWAY's last_id. */
  get lastId(): CallId {
    return this.lastCallId;
  }

  /** `clientStream`: the CALL takes a stream parameter (nothing on the wire says so). */
  sent(m: Message, clientStream = false): void {
    this.streams.sent(m, clientStream);
    if (m.type === "hello") {
      this.helloSent = true;
      if (this.role === "server") this.phase = "open";
    } else if (m.type === "call") {
      this.lastCallId = m.id;
      this.inFlight.add(m.id);
    } else if (m.type === "result" || m.type === "error") {
      this.inFlight.delete(m.id);
    }
  }

  received(m: Message): void {
    const name = m.type.toUpperCase();
    if (this.phase === "handshake") {
      // a gateway may refuse the handshake with a GOAWAY; a client must open with its HELLO
      if (m.type === "goaway" && this.role === "client") return;
      if (m.type !== "hello")
        throw bad(`expected HELLO, got ${name}`, StatusCode.FAILED_PRECONDITION);
      if (m.major !== PROTOCOL_MAJOR) {
        throw bad(
          `protocol version ${m.major}.${m.minor} is not supported; this end speaks ${PROTOCOL_MAJOR}.${PROTOCOL_MINOR}`,
          StatusCode.UNIMPLEMENTED,
        );
      }
      if (this.role === "client") {
        if (!this.helloSent) throw bad("a HELLO before ours", StatusCode.FAILED_PRECONDITION);
        this.phase = "open";
        this.streams.received(m, this.lastCallId, this.inFlight);
      }
      return;
    }
    const allowed = this.role === "server" ? FROM_CLIENT : FROM_GATEWAY;
    if (!allowed.has(m.type) || m.type === "hello") {
      throw bad(
        `a ${name} may not be sent to a ${this.role === "server" ? "gateway" : "client"}${m.type === "hello" ? " after the handshake" : ""}`,
      );
    }
    this.streams.received(m, this.lastCallId, this.inFlight);
    if (m.type === "call") {
      if (m.id === 0 || m.id === 0n) throw bad("call ids start at 1");
      if (m.id <= this.lastCallId)
        throw bad(`call id ${m.id} is not greater than ${this.lastCallId}`);
      this.lastCallId = m.id;
      this.inFlight.add(m.id);
    } else if (m.type === "result" || m.type === "error") {
      if (!this.inFlight.delete(m.id))
        throw bad(`an answer for call ${m.id}, which is not in flight`);
    }
  }
}
