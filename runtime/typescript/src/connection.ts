/**
 * One open connection: the HELLO handshake, then calls multiplexed by id (docs/protocol.md).
 * A single message handler routes each answer to the promise waiting for it, so any number of
 * calls share one socket. All protocol state lives here; bytes come and go through a Transport.
 */
import {
  Cancelled,
  ConnectionLost,
  DeadlineExceeded,
  GraftError,
  ProtocolError,
  RemoteError,
  StatusCode,
  statusName,
} from "./errors.js";
import { lowercaseMetadata, type TlsOptions } from "./config.js";
import type { Endpoint } from "./endpoint.js";
import { DEFAULT_DECODE_LIMITS, type DecodeLimits } from "./msgpack.js";
import {
  decodeMessage,
  encodeMessage,
  PeerProtocolError,
  PROTOCOL_MAJOR,
  PROTOCOL_MINOR,
  ProtocolState,
  type ErrorReply,
  type InstanceRef,
  type Message,
  type OpName,
} from "./protocol.js";
import { STREAM_FEATURE } from "./stream-rules.js";
import type { Transport, TransportFactory } from "./transport.js";

export const AGENT = "graftcode-ts/0.1.0";

/** One operation with wire values, as {@link Connection.invoke} takes it. */
export interface CallSpec {
  kind: OpName;
  target: string;
  member: string;
  args: readonly unknown[];
  kwargs: Readonly<Record<string, unknown>>;
  /** The instance for instance members, GET and SET; else null. */
  instance: InstanceRef | null;
}

export interface InvokeOptions {
  /** 0 or Infinity: no deadline. */
  timeoutMs: number;
  metadata: Readonly<Record<string, string | Uint8Array>>;
  signal?: AbortSignal;
  /** A streaming call (docs/protocol.md 5.5): its items, both ways. */
  stream?: StreamHooks;
}

/**
 * The stream sides of one call. The call's promise is still its one answer (RESULT or ERROR);
 * the items travel beside it. {@link RemoteStream} is what callers use.
 */
export interface StreamHooks {
  /** Ask for a streamed result with this initial credit; each ITEM goes to `onItem`. */
  window?: number;
  onItem?(value: unknown): void;
  /** Called once the CALL is out, with how to grant `n` more items of the result (WINDOW). */
  onStart?(grant: (n: number) => void): void;
  /** Client stream: wire values sent as ITEMs while the gateway's credit lasts, then END. */
  input?: AsyncIterable<unknown> | Iterable<unknown>;
}

export interface OpenOptions {
  module: string;
  schemaHash: string;
  version: string;
  connectTimeoutMs: number;
  limits: DecodeLimits;
  headers: Record<string, string>;
  auth?: string | Uint8Array | undefined;
  tls?: TlsOptions | undefined;
  signal?: AbortSignal | undefined;
  /** Called once when the gateway's schema differs from the client's. */
  onWarning?: ((message: string) => void) | undefined;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  /** Streams: an ITEM of the result, a WINDOW for the client stream. */
  item?(value: unknown): void;
  window?(): void;
}

const METADATA_KEY = /^[a-z0-9_.-]+$/;

/** The error for an ERROR reply: declared errors are turned into generated classes later. */
export function remoteErrorFrom(ev: ErrorReply): GraftError {
  const code = (ev.code in CODE_OK ? ev.code : StatusCode.UNKNOWN) as StatusCode;
  // The gateway's own deadline or cancel: the same errors as the client's own timer and signal.
  if (ev.typeName === null && code === StatusCode.DEADLINE_EXCEEDED)
    return new DeadlineExceeded(ev.message);
  if (ev.typeName === null && code === StatusCode.CANCELLED) return new Cancelled(ev.message);
  return new RemoteError({
    code,
    message: ev.message,
    typeName: ev.typeName,
    fields: ev.fields ?? {},
    remoteTraceback: ev.traceback,
  });
}
const CODE_OK: Record<number, true> = Object.fromEntries(
  Object.values(StatusCode).map((c) => [c, true]),
);

function codeOf(n: number): StatusCode {
  return (n in CODE_OK ? n : StatusCode.UNKNOWN) as StatusCode;
}

export class Connection {
  private transport!: Transport;
  private readonly pending = new Map<number, Pending>();
  private readonly proto = new ProtocolState("client");
  private readonly pings = new Map<number, () => void>();
  private nextId = 1;
  private nextPing = 1;
  private state: "handshake" | "open" | "draining" | "closed" = "handshake";
  private hello: Pending | undefined;
  private peerMaxMessage = DEFAULT_DECODE_LIMITS.maxMessageSize;
  private releaseQueue: number[] = [];
  private maxConcurrent = Infinity;
  private readonly waiters: (() => void)[] = [];
  /** Calls given up locally whose answer (the gateway still sends one) has not come yet. */
  private readonly abandoned = new Set<number>();
  /** Why the connection ended, once it has. */
  failure: Error | undefined;
  /** The gateway's HELLO info (module, version, schema, modules, limits, features, debug, agent). */
  serverInfo: Readonly<Record<string, unknown>> = {};

  private constructor(
    readonly endpoint: Endpoint,
    private readonly limits: DecodeLimits,
  ) {}

  static async open(
    endpoint: Endpoint,
    factory: TransportFactory,
    options: OpenOptions,
  ): Promise<Connection> {
    const conn = new Connection(endpoint, options.limits);
    conn.transport = await factory(
      endpoint,
      {
        onMessage: (m) => conn.onMessage(m),
        onClose: (e) =>
          conn.fail(e ?? new ConnectionLost(`the connection to ${endpoint.url} was closed`)),
      },
      {
        connectTimeoutMs: options.connectTimeoutMs,
        maxMessageBytes: options.limits.maxMessageSize,
        headers: options.headers,
        ...(options.signal === undefined ? {} : { signal: options.signal }),
        ...(options.tls === undefined ? {} : { tls: options.tls }),
      },
    );
    const reply = new Promise<unknown>((resolve, reject) => {
      conn.hello = { resolve, reject };
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      conn.fail(
        new ConnectionLost(`no HELLO from ${endpoint.url} within ${options.connectTimeoutMs} ms`),
      );
      conn.transport.close();
    }, options.connectTimeoutMs);
    try {
      // Key order as the Python runtime sends it, so traces of both look alike.
      const info: Record<string, unknown> = {
        module: options.module,
        version: options.version,
        schema: options.schemaHash,
        limits: {
          max_message_size: options.limits.maxMessageSize,
          max_depth: options.limits.maxDepth,
          max_container_len: options.limits.maxContainerLen,
        },
        features: [STREAM_FEATURE],
        agent: AGENT,
      };
      if (options.auth !== undefined) info["auth"] = options.auth;
      conn.write({ type: "hello", major: PROTOCOL_MAJOR, minor: PROTOCOL_MINOR, info });
      await reply;
    } catch (e) {
      conn.close();
      // Closed during the handshake (a gateway behind a balancer dying as it was picked): no
      // call went out, so the client may connect again (Client.open).
      if (e instanceof ConnectionLost && !timedOut && !e.retrySafe) {
        throw new ConnectionLost(e.message, { cause: e, retrySafe: true });
      }
      throw e;
    } finally {
      clearTimeout(timer);
    }
    const schema = conn.serverInfo["schema"];
    if (options.schemaHash !== "" && typeof schema === "string" && schema !== options.schemaHash) {
      options.onWarning?.(
        `graftcode: the gateway's ${options.module} (version ${String(conn.serverInfo["version"])}) has another schema than this client (version ${options.version}); compatible changes keep working`,
      );
    }
    return conn;
  }

  /** True while new calls may be sent. */
  get isOpen(): boolean {
    return this.state === "open";
  }

  /** True until the connection is closed (instances stay usable while it drains). */
  get isAlive(): boolean {
    return this.state === "open" || this.state === "draining";
  }

  /** Calls waiting for their answer. */
  get inFlight(): number {
    return this.pending.size;
  }

  private write(m: Message, clientStream = false): void {
    const bytes = encodeMessage(m);
    if (bytes.length > this.peerMaxMessage) {
      throw new GraftError(
        `the ${m.type} message is ${bytes.length} bytes; the gateway accepts at most ${this.peerMaxMessage}`,
        StatusCode.RESOURCE_EXHAUSTED,
      );
    }
    this.transport.send(bytes);
    this.proto.sent(m, clientStream);
  }

  private onMessage(bytes: Uint8Array): void {
    if (this.state === "closed") return;
    let m: Message;
    try {
      m = decodeMessage(bytes, this.limits);
    } catch (e) {
      const code = e instanceof PeerProtocolError ? e.goawayCode : StatusCode.INVALID_ARGUMENT;
      this.protocolError((e as Error).message, code);
      return;
    }
    try {
      this.proto.received(m);
    } catch (e) {
      const code = e instanceof PeerProtocolError ? e.goawayCode : StatusCode.INVALID_ARGUMENT;
      if (this.state === "handshake" && code === StatusCode.UNIMPLEMENTED) {
        this.protocolError(
          (e as Error).message,
          code,
          `the gateway at ${this.endpoint.url} speaks another protocol version`,
        );
      } else this.protocolError((e as Error).message, code);
      return;
    }
    switch (m.type) {
      case "hello":
        this.serverInfo = m.info;
        this.readPeerLimits(m.info);
        this.state = "open";
        this.hello?.resolve(m);
        this.hello = undefined;
        return;
      case "result":
      case "error": {
        // No waiting promise: the call was given up locally (deadline, abort) and this is its
        // late answer, which the protocol expects; ProtocolState has checked it was in flight.
        const p = typeof m.id === "number" ? this.pending.get(m.id) : undefined;
        if (p === undefined) {
          if (this.abandoned.delete(m.id as number)) this.wake();
          return;
        }
        this.pending.delete(m.id as number);
        if (m.type === "result") p.resolve(m.value);
        else p.reject(remoteErrorFrom(m));
        this.wake();
        this.closeIfDrained();
        return;
      }
      case "item":
        // after a local give-up (break, abort, deadline) the late items are dropped
        this.pending.get(m.id as number)?.item?.(m.value);
        return;
      case "window":
        this.pending.get(m.id as number)?.window?.();
        return;
      case "goaway":
        return this.onGoAway(m.lastId, m.code, m.message);
      case "ping":
        try {
          this.write({ type: "pong", opaque: m.opaque });
        } catch {
          // closing anyway
        }
        return;
      case "pong": {
        const done = this.pings.get(Number(m.opaque));
        this.pings.delete(Number(m.opaque));
        done?.();
        return;
      }
      default:
        return;
    }
  }

  private readPeerLimits(info: Record<string, unknown>): void {
    const limits = info["limits"];
    if (limits !== null && typeof limits === "object") {
      const max = (limits as Record<string, unknown>)["max_message_size"];
      if (typeof max === "number" && max > 0) this.peerMaxMessage = max;
      const calls = (limits as Record<string, unknown>)["max_concurrent_calls"];
      if (typeof calls === "number" && calls > 0) this.maxConcurrent = calls;
    }
  }

  private onGoAway(lastId: number | bigint, code: number, message: string): void {
    if (this.state === "handshake") {
      // The handshake was refused: report the gateway's reason (e.g. an unknown module).
      const err = new GraftError(
        `the gateway at ${this.endpoint.url} refused the connection: ${statusName(code)}: ${message}`,
        codeOf(code),
      );
      this.fail(err);
      this.transport.close();
      return;
    }
    if (code !== StatusCode.OK) {
      this.fail(
        new GraftError(
          `the gateway closed the connection: ${statusName(code)}: ${message}`,
          codeOf(code),
        ),
      );
      this.transport.close();
      return;
    }
    this.state = "draining";
    for (const start of this.waiters.splice(0)) start();
    for (const [id, p] of [...this.pending]) {
      if (id > lastId) {
        this.pending.delete(id);
        p.reject(
          new ConnectionLost(
            `the gateway is shutting down and did not run this call (safe to retry): ${message}`,
            { retrySafe: true },
          ),
        );
      }
    }
    this.closeIfDrained();
  }

  private closeIfDrained(): void {
    if (this.state === "draining" && this.pending.size === 0) {
      this.fail(new ConnectionLost("the gateway shut the connection down (GOAWAY)"));
      this.transport.close();
    }
  }

  private protocolError(message: string, code: StatusCode, summary?: string): void {
    try {
      this.transport.send(
        encodeMessage({ type: "goaway", lastId: this.proto.lastId, code, message }),
      );
    } catch {
      // the transport is already gone
    }
    const text =
      summary === undefined
        ? `protocol error from the gateway at ${this.endpoint.url}: ${message}`
        : `${summary}: ${message}`;
    this.fail(new ProtocolError(text));
    this.transport.close();
  }

  private fail(error: Error): void {
    if (this.state === "closed") return;
    this.state = "closed";
    this.failure = error;
    this.hello?.reject(error);
    this.hello = undefined;
    const waiting = [...this.pending.values()];
    this.pending.clear();
    this.abandoned.clear();
    for (const start of this.waiters.splice(0)) start();
    for (const p of waiting) p.reject(error);
    for (const done of this.pings.values()) done();
    this.pings.clear();
  }

  /** Run one operation; wire values in and out. */
  invoke(spec: CallSpec, options: InvokeOptions): Promise<unknown> {
    const signal = options.signal;
    if (signal?.aborted)
      return Promise.reject(
        new Cancelled("the call was cancelled before it was sent", { cause: signal.reason }),
      );
    if (this.state !== "open")
      return Promise.reject(this.failure ?? new ConnectionLost("the connection is not open"));
    const metadata = checkMetadata(options.metadata);
    const stream = options.stream;
    if (stream !== undefined && !this.proto.streams.enabled)
      return Promise.reject(
        new GraftError(
          `the gateway at ${this.endpoint.url} does not support streams (feature stream)`,
          StatusCode.FAILED_PRECONDITION,
        ),
      );
    const timeoutMs =
      options.timeoutMs > 0 && Number.isFinite(options.timeoutMs) ? options.timeoutMs : null;
    const deadline = timeoutMs === null ? null : performance.now() + timeoutMs;
    return new Promise<unknown>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      let id: number | undefined;
      let settled = false;
      let waited = false;
      let wakePump: (() => void) | undefined;
      const cleanup = (): void => {
        settled = true;
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        wakePump?.();
      };
      const giveUp = (error: Error): void => {
        if (settled) return;
        cleanup();
        reject(error);
        const queued = this.waiters.indexOf(start);
        if (queued >= 0) this.waiters.splice(queued, 1);
        if (id === undefined || !this.pending.delete(id)) return;
        if (this.state === "open" || this.state === "draining") {
          // The slot stays taken until the gateway answers the cancel: it still runs the call.
          this.abandoned.add(id);
          try {
            this.write({ type: "cancel", id });
          } catch {
            // the connection is going away; nothing left to cancel
          }
          this.closeIfDrained();
        }
      };
      const onAbort = (): void =>
        giveUp(new Cancelled("the call was cancelled", { cause: signal?.reason }));
      const start = (): void => {
        if (settled) return;
        if (this.state !== "open") {
          giveUp(
            this.failure ??
              new ConnectionLost(
                "the gateway is shutting down; the call was not sent (safe to retry)",
                { retrySafe: true },
              ),
          );
          return;
        }
        const callId = this.nextId++;
        id = callId;
        this.pending.set(callId, {
          resolve: (v) => {
            cleanup();
            resolve(v);
          },
          reject: (e) => {
            cleanup();
            reject(e);
          },
          ...(stream?.onItem === undefined ? {} : { item: stream.onItem }),
          window: () => wakePump?.(),
        });
        try {
          this.write(
            {
              type: "call",
              id: callId,
              op: spec.kind,
              target: spec.target,
              member: spec.member,
              instance: spec.instance,
              args: spec.args,
              kwargs: spec.kwargs,
              // relative; what is left of it if the call waited for a free slot
              timeoutMs:
                deadline === null || timeoutMs === null
                  ? null
                  : waited
                    ? Math.max(0, Math.ceil(deadline - performance.now()))
                    : Math.ceil(timeoutMs),
              metadata,
              ...(stream?.window === undefined ? {} : { window: stream.window }),
            },
            stream?.input !== undefined,
          );
        } catch (e) {
          this.pending.delete(callId);
          cleanup();
          this.wake();
          reject(
            e instanceof GraftError
              ? e
              : new ConnectionLost(`could not send the call: ${(e as Error).message}`, {
                  cause: e,
                }),
          );
          return;
        }
        stream?.onStart?.((n) => {
          if (settled || !this.isAlive) return;
          try {
            this.write({ type: "window", id: callId, n });
          } catch {
            // the connection is going away: the call fails with it
          }
        });
        if (stream?.input !== undefined) {
          const credit = (): Promise<void> =>
            new Promise((wake) => {
              wakePump = wake;
            });
          void this.pump(callId, stream.input, () => settled, credit).catch((e: unknown) =>
            giveUp(e instanceof Error ? e : new GraftError(String(e))),
          );
        }
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      if (timeoutMs !== null) {
        timer = setTimeout(
          () => giveUp(new DeadlineExceeded(`the call did not finish within ${timeoutMs} ms`)),
          timeoutMs,
        );
      }
      // The gateway announces how many calls it runs at once per connection; beyond that,
      // calls wait here (in order) instead of being refused with RESOURCE_EXHAUSTED.
      if (
        this.pending.size + this.abandoned.size >= this.maxConcurrent ||
        this.waiters.length > 0
      ) {
        waited = true;
        this.waiters.push(start);
      } else start();
    });
  }

  /**
   * Send a client stream: one ITEM per value while the gateway's credit lasts (waiting for
   * its WINDOW otherwise, before pulling the next value), then END. Stops, closing the
   * caller's iterator, once the call is answered or given up; the caller's iterator raising
   * rejects the returned promise (the call is then cancelled with that error).
   */
  private async pump(
    id: number,
    input: AsyncIterable<unknown> | Iterable<unknown>,
    over: () => boolean,
    credit: () => Promise<void>,
  ): Promise<void> {
    const it =
      Symbol.asyncIterator in input
        ? input[Symbol.asyncIterator]()
        : (input as Iterable<unknown>)[Symbol.iterator]();
    let finished = false;
    try {
      for (;;) {
        while (!over() && this.proto.streams.credit(id) <= 0) await credit();
        if (over()) return;
        const next = await it.next();
        if (next.done === true) {
          finished = true;
          break;
        }
        if (over()) return;
        this.write({ type: "item", id, value: next.value });
      }
      if (!over()) this.write({ type: "end", id });
    } finally {
      if (!finished) await it.return?.();
    }
  }

  /** Start the next queued call now that a slot is free. */
  private wake(): void {
    while (this.waiters.length > 0 && this.pending.size + this.abandoned.size < this.maxConcurrent)
      this.waiters.shift()?.();
  }

  /** Calls waiting for a free slot (the gateway's max_concurrent_calls). */
  get queued(): number {
    return this.waiters.length;
  }

  /** Round-trip time to the gateway in milliseconds (PING/PONG). */
  ping(timeoutMs = 10_000): Promise<number> {
    if (!this.isAlive)
      return Promise.reject(this.failure ?? new ConnectionLost("the connection is closed"));
    const opaque = this.nextPing++;
    const started = performance.now();
    return new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pings.delete(opaque);
        reject(new DeadlineExceeded(`no PONG within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pings.set(opaque, () => {
        clearTimeout(timer);
        if (this.state === "closed")
          reject(this.failure ?? new ConnectionLost("the connection closed"));
        else resolve(performance.now() - started);
      });
      this.write({ type: "ping", opaque });
    });
  }

  /**
   * Release instances. Releases are batched: every id released in the same tick travels in
   * one RELEASE message (the protocol has no reply to it).
   */
  release(instance: number): void {
    if (!this.isAlive) return;
    this.releaseQueue.push(instance);
    if (this.releaseQueue.length === 1) {
      queueMicrotask(() => {
        const ids = this.releaseQueue;
        this.releaseQueue = [];
        if (!this.isAlive || ids.length === 0) return;
        try {
          this.write({ type: "release", ids });
        } catch {
          // closed meanwhile: the gateway frees the instances with the connection
        }
      });
    }
  }

  close(): void {
    if (this.state !== "closed") this.fail(new ConnectionLost("the client closed the connection"));
    this.transport?.close();
  }
}

/** The call's metadata as it goes out: keys lowercased, then checked (docs/protocol.md 5.3). */
function checkMetadata(
  given: Readonly<Record<string, string | Uint8Array>>,
): Record<string, string | Uint8Array> | null {
  const md = lowercaseMetadata(given);
  const keys = Object.keys(md);
  if (keys.length === 0) return null;
  for (const k of keys) {
    if (!METADATA_KEY.test(k)) {
      throw new GraftError(
        `metadata key ${JSON.stringify(k)}: use ASCII letters (sent lowercase), digits, '-', '_' and '.'`,
        StatusCode.INVALID_ARGUMENT,
      );
    }
    if (k.startsWith("graft-"))
      throw new GraftError(
        `metadata key ${JSON.stringify(k)}: keys starting with graft- are reserved`,
        StatusCode.INVALID_ARGUMENT,
      );
    const v = md[k];
    if (typeof v !== "string" && !(v instanceof Uint8Array)) {
      throw new GraftError(
        `metadata ${JSON.stringify(k)}: values are strings or bytes`,
        StatusCode.INVALID_ARGUMENT,
      );
    }
  }
  return md;
}
