/**
 * One open connection: the handshake, then calls multiplexed by id. A single message handler
 * routes each answer to the promise waiting for it, so any number of calls share the socket.
 */
import { Cancelled, ConnectionLost, DeadlineExceeded, GraftError, ProtocolError, RemoteError, StatusCode } from "./errors.js";
import type { Endpoint } from "./endpoint.js";
import { DEFAULT_DECODE_LIMITS, type DecodeLimits } from "./msgpack.js";
import { decodeEvent, encodeEvent, PROTOCOL_VERSION, type ErrorEvent, type Event } from "./protocol.js";
import type { Transport, TransportFactory } from "./transport.js";

/** One operation with wire values, as {@link Connection.invoke} takes it. */
export interface CallSpec {
  kind: "call" | "new" | "get" | "set";
  target: string;
  member: string;
  args: readonly unknown[];
  kwargs: Readonly<Record<string, unknown>>;
  /** The instance id for instance members, else null. */
  instance: number | null;
}

export interface InvokeOptions {
  /** 0 or Infinity: no deadline. */
  timeoutMs: number;
  metadata: Record<string, string>;
  signal?: AbortSignal;
}

export interface OpenOptions {
  module: string;
  schemaHash: string;
  connectTimeoutMs: number;
  maxMessageBytes: number;
  headers: Record<string, string>;
  signal?: AbortSignal;
  limits?: DecodeLimits;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

const MAX_CALL_ID = 0xffffffff;

export function remoteErrorFrom(ev: ErrorEvent): RemoteError {
  return new RemoteError({
    code: ev.code as StatusCode,
    message: ev.message,
    typeName: ev.typeName,
    fields: ev.fields,
    remoteTraceback: ev.traceback,
  });
}

export class Connection {
  private transport!: Transport;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private open = true;
  private hello: Pending | undefined;
  /** Why the connection ended, once it has. */
  failure: Error | undefined;
  /** The gateway's handshake reply. */
  serverInfo: Readonly<Record<string, unknown>> = {};
  /** Set when the gateway announced it is shutting down: new calls should go elsewhere. */
  goingAway = false;

  private constructor(
    readonly endpoint: Endpoint,
    private readonly limits: DecodeLimits,
  ) {}

  static async open(endpoint: Endpoint, factory: TransportFactory, options: OpenOptions): Promise<Connection> {
    const conn = new Connection(endpoint, options.limits ?? { ...DEFAULT_DECODE_LIMITS, maxBinLength: options.maxMessageBytes, maxStrLength: options.maxMessageBytes });
    conn.transport = await factory(
      endpoint,
      {
        onMessage: (m) => conn.onMessage(m),
        onClose: (e) => conn.fail(e ?? new ConnectionLost("the connection was closed")),
      },
      {
        connectTimeoutMs: options.connectTimeoutMs,
        maxMessageBytes: options.maxMessageBytes,
        headers: options.headers,
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      },
    );
    const reply = new Promise<unknown>((resolve, reject) => {
      conn.hello = { resolve, reject };
    });
    const timer = setTimeout(() => {
      conn.fail(new ConnectionLost(`no handshake reply from ${endpoint.url} within ${options.connectTimeoutMs} ms`));
    }, options.connectTimeoutMs);
    try {
      conn.send({ type: "hello", version: PROTOCOL_VERSION, module: options.module, info: { schema_hash: options.schemaHash } });
      await reply;
    } catch (e) {
      conn.close();
      throw e;
    } finally {
      clearTimeout(timer);
    }
    return conn;
  }

  get isOpen(): boolean {
    return this.open;
  }

  /** Calls waiting for their answer. */
  get inFlight(): number {
    return this.pending.size;
  }

  private send(ev: Event): void {
    if (!this.open) throw this.failure ?? new ConnectionLost("the connection is closed");
    this.transport.send(encodeEvent(ev));
  }

  private onMessage(bytes: Uint8Array): void {
    let ev: Event;
    try {
      ev = decodeEvent(bytes, this.limits);
    } catch (e) {
      const err = e instanceof ProtocolError ? e : new ProtocolError(`malformed message from the gateway: ${(e as Error).message}`, { cause: e });
      this.fail(err);
      this.transport.close();
      return;
    }
    switch (ev.type) {
      case "hello": {
        const h = this.hello;
        this.hello = undefined;
        this.serverInfo = { module: ev.module, version: ev.version, ...ev.info };
        h?.resolve(ev);
        return;
      }
      case "result": {
        const p = this.pending.get(ev.callId);
        if (p !== undefined) {
          this.pending.delete(ev.callId);
          p.resolve(ev.value);
        }
        return;
      }
      case "error": {
        if (ev.callId === 0) {
          // A connection-level error: the handshake was refused, or the gateway gives up.
          const err = remoteErrorFrom(ev);
          this.fail(err);
          this.transport.close();
          return;
        }
        const p = this.pending.get(ev.callId);
        if (p !== undefined) {
          this.pending.delete(ev.callId);
          p.reject(remoteErrorFrom(ev));
        }
        return;
      }
      case "goaway":
        this.goingAway = true;
        return;
      default:
        this.fail(new ProtocolError(`unexpected ${ev.type} message from the gateway`));
        this.transport.close();
    }
  }

  private fail(error: Error): void {
    if (!this.open) return;
    this.open = false;
    this.failure = error;
    this.hello?.reject(error);
    this.hello = undefined;
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const p of waiting) p.reject(error);
  }

  private allocateId(): number {
    for (;;) {
      const id = this.nextId;
      this.nextId = id >= MAX_CALL_ID ? 1 : id + 1;
      if (!this.pending.has(id)) return id;
    }
  }

  /** Run one operation; wire values in and out. */
  invoke(spec: CallSpec, options: InvokeOptions): Promise<unknown> {
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(new Cancelled("the call was cancelled before it was sent", { cause: signal.reason }));
    if (!this.open) return Promise.reject(this.failure ?? new ConnectionLost("the connection is closed"));
    const callId = this.allocateId();
    const timeoutMs = options.timeoutMs > 0 && Number.isFinite(options.timeoutMs) ? options.timeoutMs : null;
    return new Promise<unknown>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const cleanup = (): void => {
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
      };
      const giveUp = (error: Error): void => {
        if (!this.pending.has(callId)) return;
        this.pending.delete(callId);
        cleanup();
        reject(error);
        if (this.open) {
          try {
            this.send({ type: "cancel", callId });
          } catch {
            // the connection is going away; nothing to cancel
          }
        }
      };
      const onAbort = (): void => giveUp(new Cancelled("the call was cancelled", { cause: signal?.reason }));
      this.pending.set(callId, {
        resolve: (v) => {
          cleanup();
          resolve(v);
        },
        reject: (e) => {
          cleanup();
          reject(e);
        },
      });
      signal?.addEventListener("abort", onAbort, { once: true });
      if (timeoutMs !== null) {
        timer = setTimeout(() => giveUp(new DeadlineExceeded(`the call did not finish within ${timeoutMs} ms`)), timeoutMs);
      }
      try {
        this.send({
          type: "call",
          callId,
          kind: spec.kind,
          target: spec.target,
          member: spec.member,
          args: [...spec.args],
          kwargs: { ...spec.kwargs },
          instance: spec.instance,
          timeoutMs,
          metadata: options.metadata,
        });
      } catch (e) {
        this.pending.delete(callId);
        cleanup();
        reject(e instanceof GraftError ? e : new ProtocolError(`could not send the call: ${(e as Error).message}`, { cause: e }));
      }
    });
  }

  /** Release an instance (fire and forget: the protocol has no reply to a release). */
  async release(instance: number): Promise<void> {
    this.send({ type: "release", instance });
  }

  /** Release, ignoring a closed connection (used by the finalizer). */
  releaseQuietly(instance: number): void {
    if (!this.open) return;
    try {
      this.send({ type: "release", instance });
    } catch {
      // closed meanwhile: the gateway frees the instance with the connection
    }
  }

  close(): void {
    if (this.open) this.fail(new ConnectionLost("the client closed the connection"));
    this.transport?.close();
  }
}

export { StatusCode };
