/**
 * The client: one connection to a gateway for one module, any number of calls in flight on it.
 *
 * Generated packages call {@link Client.call} with a {@link MemberSpec} (what the member is and
 * how its values cross the wire) and get typed values back; {@link Client.invoke} is the
 * low-level call with wire values, for tools and dynamic callers.
 */
import {
  currentAuth,
  DEFAULTS,
  lowercaseMetadata,
  resolveOptions,
  type ClientOptions,
  type ResolvedOptions,
} from "./config.js";
import { Connection, type CallSpec, type InvokeOptions, type StreamHooks } from "./connection.js";
import { ItemStream, type RemoteStream, type StreamStart } from "./stream.js";
import { parseEndpoint } from "./endpoint.js";
import {
  ConnectionLost,
  GraftError,
  RemoteError,
  StatusCode,
  type RemoteErrorInfo,
} from "./errors.js";
import { intercept, type CallContext } from "./interceptors.js";
import { RetryBudget, Retrier, runWithRetry } from "./retry.js";
import { DEFAULT_DECODE_LIMITS } from "./msgpack.js";
import { encodeInstanceRef, InstanceRef } from "./protocol.js";
import { transportFor } from "./transport.js";
import { fromWire, toWire, type FieldDesc, type InstanceCodec, type TypeDesc } from "./types.js";

/** A client stream's values, converted to wire values one by one as the pump pulls them. */
function wireItems(
  item: TypeDesc,
  given: unknown,
  path: string,
  codec: InstanceCodec,
): AsyncIterable<unknown> {
  if (
    given === null ||
    typeof given !== "object" ||
    !(Symbol.asyncIterator in given || Symbol.iterator in given)
  ) {
    throw new GraftError(
      `${path}: expected an AsyncIterable or an Iterable, got ${typeof given}`,
      StatusCode.INVALID_ARGUMENT,
    );
  }
  return (async function* () {
    let i = 0;
    for await (const v of given as AsyncIterable<unknown>) {
      yield toWire(item, v, `${path}[${i}]`, codec);
      i++;
    }
  })();
}

/** Options every generated method takes as its last argument. */
export interface CallOptions {
  /** Deadline for this call in milliseconds (overrides the client's default; 0 = none). */
  timeoutMs?: number;
  /** Cancels the call: the promise rejects with `Cancelled` and the gateway is told to stop. */
  signal?: AbortSignal;
  /** Metadata (string headers) for this call, merged over the client's; keys are sent lowercase. */
  metadata?: Record<string, string>;
}

export interface ParamSpec {
  /** Name in TypeScript (for keyword parameters: the key in the options object). */
  readonly name: string;
  /** Name in the IDL, used on the wire. */
  readonly wire: string;
  readonly kind: "positional" | "either" | "keyword";
  readonly type: TypeDesc;
  /** Has a default on the gateway side, so the caller may leave it out. */
  readonly optional: boolean;
}

/** One member of the module, as generated code describes it. */
export interface MemberSpec {
  readonly kind: "call" | "new" | "get" | "set";
  readonly target: string;
  readonly member: string;
  readonly params: readonly ParamSpec[];
  readonly returns: TypeDesc;
  /** Marked `@idempotent` in the IDL: retried after UNAVAILABLE per the retry policy. */
  readonly idempotent?: boolean;
}

/** A declared error type: its fields and how to build the generated subclass. */
export interface ErrorSpec {
  readonly fields: readonly FieldDesc[];
  make(info: RemoteErrorInfo, fields: Record<string, unknown>): RemoteError;
}

/** Everything the runtime needs to know about one generated module. */
export interface ModuleBinding {
  readonly module: string;
  readonly version: string;
  readonly schemaHash: string;
  readonly errors: Readonly<Record<string, ErrorSpec>>;
  readonly classes: Readonly<
    Record<string, (client: Client, ref: InstanceHandle) => RemoteInstance>
  >;
}

/** What a proxy holds: the instance id and the connection the instance belongs to. */
export interface InstanceHandle {
  readonly id: number;
  readonly connection: Connection;
}

const CALL_OPTION_KEYS = new Set(["timeoutMs", "signal", "metadata"]);
/** Connections cut during their handshake are opened again this many times. */
const HANDSHAKE_RETRIES = 2;

// Proxies dropped without close() are released when collected (best effort: the gateway also
// frees every instance of a connection when it closes).
/*
 * The globals the public declarations name (`Client implements AsyncDisposable`,
 * `[Symbol.asyncDispose]`), declared here so that the .d.ts compile in applications whose lib
 * has neither ESNext.Disposable nor @types/node's copy, e.g. a browser app with lib ES2022 +
 * DOM. Each member is the same as in TypeScript's lib.esnext.disposable (and @types/node), and
 * identical declarations merge, so where those are present nothing changes. Only the types:
 * the runtime objects are the platform's (Node 20, current browsers); where
 * `Symbol.asyncDispose` does not exist, `close()` is the way to release.
 */
declare global {
  interface SymbolConstructor {
    readonly asyncDispose: unique symbol;
  }
  interface AsyncDisposable {
    [Symbol.asyncDispose](): PromiseLike<void>;
  }
}

const finalizer =
  typeof FinalizationRegistry === "function"
    ? new FinalizationRegistry<InstanceHandle>((h) => {
        h.connection.release(h.id);
      })
    : undefined;

export class Client implements AsyncDisposable {
  readonly options: ResolvedOptions;
  private connection: Connection | undefined;
  private connecting: Promise<Connection> | undefined;
  private closed = false;
  private retryBudget: RetryBudget | undefined;
  private readonly instances: InstanceCodec;

  private constructor(
    readonly binding: ModuleBinding,
    options: ClientOptions,
    defaults: { url?: string | undefined },
  ) {
    this.options = resolveOptions(
      binding.module,
      options,
      defaults.url === undefined ? {} : { url: defaults.url },
    );
    parseEndpoint(this.options.url); // fail fast on a bad URL
    this.instances = {
      toWire: (className, v) => {
        if (!(v instanceof RemoteInstance) || v.className !== className) {
          throw new GraftError(`expected a ${className} proxy`, StatusCode.INVALID_ARGUMENT);
        }
        return encodeInstanceRef(v.$ref());
      },
      fromWire: (className, w) => {
        if (!(w instanceof InstanceRef)) {
          throw new GraftError(
            `the gateway sent ${String(w)} where a ${className} instance was expected`,
            StatusCode.DATA_LOSS,
          );
        }
        const make = this.binding.classes[w.className] ?? this.binding.classes[className];
        const conn = this.connection;
        if (make === undefined || conn === undefined) {
          throw new GraftError(`no proxy class for ${w.className}`, StatusCode.INTERNAL);
        }
        return make(this, { id: w.id, connection: conn });
      },
    };
  }

  /** Connect now (handshake included); rejects with ConnectionLost if the gateway is unreachable. */
  static async connect(
    binding: ModuleBinding,
    options: ClientOptions = {},
    defaults: { url?: string | undefined } = {},
  ): Promise<Client> {
    const client = new Client(binding, options, defaults);
    await client.ensureConnected();
    return client;
  }

  /** A client that connects on its first call. */
  static lazy(
    binding: ModuleBinding,
    options: ClientOptions = {},
    defaults: { url?: string | undefined } = {},
  ): Client {
    return new Client(binding, options, defaults);
  }

  /** The open connection, opening one if needed (and if reconnecting is allowed). */
  async ensureConnected(signal?: AbortSignal): Promise<Connection> {
    if (this.closed) throw new ConnectionLost("the client was closed");
    if (this.connection !== undefined && this.connection.isOpen) return this.connection;
    if (this.connection !== undefined && !this.options.reconnect) {
      throw this.connection.failure ?? new ConnectionLost("the connection was lost");
    }
    this.connecting ??= this.open(signal).finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  /**
   * Open a connection; one cut during its handshake (retrySafe: no call went out) is opened
   * again, twice at most, as the Python runtime does.
   */
  private async open(signal?: AbortSignal): Promise<Connection> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.openOnce(signal);
      } catch (e) {
        const cut = e instanceof ConnectionLost && e.retrySafe && !this.closed;
        if (!cut || attempt >= HANDSHAKE_RETRIES || signal?.aborted === true) throw e;
        await new Promise((r) => setTimeout(r, 20 * 5 ** attempt));
      }
    }
  }

  private async openOnce(signal?: AbortSignal): Promise<Connection> {
    const endpoint = parseEndpoint(this.options.url);
    const factory = this.options.transportFactory ?? transportFor(endpoint.transport);
    const conn = await Connection.open(endpoint, factory, {
      module: this.binding.module,
      schemaHash: this.binding.schemaHash,
      version: this.binding.version,
      connectTimeoutMs: this.options.connectTimeoutMs || DEFAULTS.connectTimeoutMs,
      limits: { ...DEFAULT_DECODE_LIMITS, maxMessageSize: this.options.maxMessageBytes },
      headers: this.options.headers,
      auth: currentAuth(this.options),
      tls: this.options.tls,
      signal,
      onWarning: this.options.onWarning,
    });
    if (this.closed) {
      conn.close();
      throw new ConnectionLost("the client was closed");
    }
    this.connection = conn;
    return conn;
  }

  /** Low level: run one operation with wire values in and out (no type conversion). */
  async invoke(
    spec: CallSpec,
    options: CallOptions & { stream?: StreamHooks } = {},
    connection?: Connection,
  ): Promise<unknown> {
    const timeoutMs = options.timeoutMs ?? this.options.timeoutMs;
    const metadata = {
      ...this.options.metadata,
      ...(options.metadata === undefined ? {} : lowercaseMetadata(options.metadata)),
    };
    const signal = {
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(options.stream === undefined ? {} : { stream: options.stream }),
    };
    const interceptors = this.options.interceptors;
    if (interceptors.length === 0) {
      const conn = connection ?? (await this.ensureConnected(options.signal));
      return this.send(conn, spec, { timeoutMs, metadata, ...signal }, connection !== undefined);
    }
    const ctx: CallContext = {
      module: this.binding.module,
      kind: spec.kind,
      target: spec.target,
      member: spec.member,
      args: spec.args,
      kwargs: spec.kwargs,
      metadata,
      timeoutMs,
      state: new Map(),
    };
    return intercept(interceptors, ctx, async (c) => {
      const conn = connection ?? (await this.ensureConnected(options.signal));
      const invokeOptions: InvokeOptions = {
        timeoutMs: c.timeoutMs,
        metadata: lowercaseMetadata(c.metadata),
        ...signal,
      };
      return this.send(conn, spec, invokeOptions, connection !== undefined);
    });
  }

  /**
   * Send `spec` on `conn`. A call that never ran there (not sent, or refused unrun by a GOAWAY:
   * `retrySafe`) goes once more to a new connection, within what is left of its deadline, as
   * the Python runtime does; this is what makes a rolling restart behind a balancer invisible.
   * Nothing that may have run is resent, and a call pinned to a connection (an instance's)
   * does not move.
   */
  private async send(
    conn: Connection,
    spec: CallSpec,
    options: InvokeOptions,
    pinned: boolean,
  ): Promise<unknown> {
    const start = performance.now();
    try {
      return await conn.invoke(spec, options);
    } catch (e) {
      if (pinned || this.closed || !this.options.reconnect) throw e;
      if (!(e instanceof ConnectionLost) || !e.retrySafe) throw e;
      const limited = options.timeoutMs > 0 && Number.isFinite(options.timeoutMs);
      const left = options.timeoutMs - (performance.now() - start);
      if (limited && left <= 0) throw e;
      const again = await this.ensureConnected(options.signal);
      return again.invoke(spec, limited ? { ...options, timeoutMs: left } : options);
    }
  }

  /** The retries of a call to an idempotent member, or undefined when it is made once. */
  private retrier(spec: MemberSpec, timeoutMs: number, pinned: boolean): Retrier | undefined {
    const policy = this.options.retry;
    if (spec.idempotent !== true || pinned || policy.maxAttempts <= 1) return undefined;
    this.retryBudget ??= new RetryBudget(policy);
    const limited = timeoutMs > 0 && Number.isFinite(timeoutMs);
    return new Retrier(this.retryBudget, limited ? performance.now() + timeoutMs : null);
  }

  /**
   * Call `spec` with typed arguments: `args` are the positional arguments in declaration order,
   * `options` holds keyword arguments (by TypeScript name) and call options.
   */
  async call(
    spec: MemberSpec,
    args: readonly unknown[],
    callOptions?: CallOptions,
    instance?: RemoteInstance,
  ): Promise<unknown> {
    const call = this.prepare(spec, args, callOptions, instance);
    const options: CallOptions & { stream?: StreamHooks } = call.options;
    if (call.input !== undefined) options.stream = { input: call.input };
    // A member marked @idempotent is retried after UNAVAILABLE, never with a client stream
    // (its items cannot be sent twice) nor on a pinned connection (an instance's).
    const retrier =
      call.input === undefined
        ? this.retrier(
            spec,
            options.timeoutMs ?? this.options.timeoutMs,
            call.connection !== undefined,
          )
        : undefined;
    let result: unknown;
    try {
      result =
        retrier === undefined
          ? await this.invoke(call.spec, options, call.connection)
          : await runWithRetry(
              (left) =>
                this.invoke(call.spec, left === null ? options : { ...options, timeoutMs: left }),
              retrier,
            );
    } catch (e) {
      throw e instanceof RemoteError ? this.typedError(e) : e;
    }
    return fromWire(spec.returns, result, `the result of ${call.where}`, this.instances);
  }

  /**
   * Call a member that returns `stream<T>`: the items, typed, as an async iterator. The call
   * starts on the first `next()` (the first turn of a `for await` loop); argument errors are
   * raised there too. A declared error the member raises after some items comes after them.
   */
  stream<T>(
    spec: MemberSpec,
    args: readonly unknown[],
    callOptions?: CallOptions,
    instance?: RemoteInstance,
  ): RemoteStream<T> {
    if (spec.returns.kind !== "stream")
      throw new GraftError(`${spec.target}.${spec.member} does not return a stream`);
    const item = spec.returns.item;
    let where = `${spec.target}.${spec.member}`;
    const start: StreamStart = async (hooks, signal) => {
      const call = this.prepare(spec, args, { ...callOptions, signal }, instance);
      where = call.where;
      const options: CallOptions & { stream?: StreamHooks } = call.options;
      options.stream = call.input === undefined ? hooks : { ...hooks, input: call.input };
      try {
        return await this.invoke(call.spec, options, call.connection);
      } catch (e) {
        throw e instanceof RemoteError ? this.typedError(e) : e;
      }
    };
    const convert = (w: unknown, i: number): T =>
      fromWire(item, w, `item ${i} of ${where}`, this.instances) as T;
    return new ItemStream<T>(start, convert, callOptions?.signal);
  }

  /**
   * A streaming call with wire values, for dynamic callers: `input` is the client stream (wire
   * values) for a member that takes one; the items of the result come as they are sent.
   */
  invokeStream(
    spec: CallSpec,
    options: CallOptions & { input?: AsyncIterable<unknown> | Iterable<unknown> } = {},
  ): RemoteStream<unknown> {
    const { input, ...rest } = options;
    const start: StreamStart = (hooks, signal) =>
      this.invoke(spec, {
        ...rest,
        signal,
        stream: input === undefined ? hooks : { ...hooks, input },
      });
    return new ItemStream<unknown>(start, (w) => w, rest.signal);
  }

  /** Typed arguments to wire values, checked, and the connection the call must use. */
  private prepare(
    spec: MemberSpec,
    args: readonly unknown[],
    callOptions: CallOptions | undefined,
    instance: RemoteInstance | undefined,
  ): {
    spec: CallSpec;
    options: CallOptions;
    connection: Connection | undefined;
    where: string;
    input?: AsyncIterable<unknown>;
  } {
    const options = callOptions as (CallOptions & Record<string, unknown>) | undefined;
    const where = spec.kind === "new" ? `${spec.target}.create` : `${spec.target}.${spec.member}`;
    // Proxies passed as arguments pin the call to their connection: an id means nothing on
    // another one.
    const pinned: Connection[] = [];
    const codec: InstanceCodec = {
      toWire: (className, v) => {
        if (v instanceof RemoteInstance) pinned.push(v.$connection());
        return this.instances.toWire(className, v);
      },
      fromWire: (className, w) => this.instances.fromWire(className, w),
    };
    const wireArgs: unknown[] = [];
    const kwargs: Record<string, unknown> = {};
    let input: AsyncIterable<unknown> | undefined;
    let positionalIndex = 0;
    let gap: string | undefined;
    for (const p of spec.params) {
      let value: unknown;
      if (p.kind === "keyword") value = options?.[p.name];
      else value = args[positionalIndex++];
      if (value === undefined) {
        if (!p.optional) {
          throw new GraftError(
            `${where}: missing required argument ${p.name}`,
            StatusCode.INVALID_ARGUMENT,
          );
        }
        if (p.kind === "positional") gap ??= p.name;
        continue;
      }
      let wire: unknown;
      if (p.type.kind === "stream") {
        // the parameter's place holds nil; its items follow the CALL (docs/protocol.md 5.5.3)
        input = wireItems(p.type.item, value, `${where}(${p.name})`, codec);
        wire = null;
      } else wire = toWire(p.type, value, `${where}(${p.name})`, codec);
      if (p.kind === "positional") {
        if (gap !== undefined) {
          throw new GraftError(
            `${where}: ${p.name} is given but the positional-only ${gap} before it is not`,
            StatusCode.INVALID_ARGUMENT,
          );
        }
        wireArgs.push(wire);
      } else kwargs[p.wire] = wire;
    }
    if (options !== undefined) {
      for (const key of Object.keys(options)) {
        if (
          !CALL_OPTION_KEYS.has(key) &&
          !spec.params.some((p) => p.kind === "keyword" && p.name === key)
        ) {
          throw new GraftError(
            `${where}: unknown option ${JSON.stringify(key)}`,
            StatusCode.INVALID_ARGUMENT,
          );
        }
      }
    }
    const onlyCall: CallOptions = {};
    if (options?.timeoutMs !== undefined) onlyCall.timeoutMs = options.timeoutMs;
    if (options?.signal !== undefined) onlyCall.signal = options.signal;
    if (options?.metadata !== undefined) onlyCall.metadata = options.metadata;
    let connection: Connection | undefined;
    if (instance !== undefined) connection = instance.$connection();
    for (const c of pinned) {
      connection ??= c;
      if (c !== connection) {
        throw new ConnectionLost(
          `${where}: a proxy passed as an argument belongs to another (older) connection`,
        );
      }
    }
    return {
      spec: {
        kind: spec.kind,
        target: spec.target,
        member: spec.member,
        args: wireArgs,
        kwargs,
        instance: instance === undefined ? null : instance.$ref(),
      },
      options: onlyCall,
      connection,
      where,
      ...(input === undefined ? {} : { input }),
    };
  }

  /** Turn a RemoteError naming a declared error type into the generated subclass. */
  private typedError(e: RemoteError): RemoteError {
    const spec = e.typeName === null ? undefined : this.binding.errors[e.typeName];
    if (spec === undefined) return e;
    const fields: Record<string, unknown> = {};
    try {
      for (const f of spec.fields) {
        const w = e.fields[f.wire];
        fields[f.name] =
          w === undefined
            ? f.default !== undefined
              ? f.default()
              : null
            : fromWire(f.type, w, `${e.typeName}.${f.name}`, this.instances);
      }
    } catch {
      return e;
    }
    const typed = spec.make(
      {
        code: e.code,
        message: e.message,
        typeName: e.typeName,
        fields: e.fields,
        remoteTraceback: e.remoteTraceback,
      },
      fields,
    );
    return typed;
  }

  /** Round-trip time to the gateway in milliseconds (a PING answered by a PONG). */
  async ping(timeoutMs = 10_000): Promise<number> {
    return (await this.ensureConnected()).ping(timeoutMs);
  }

  /** True while a connection is open. */
  get connected(): boolean {
    return this.connection?.isOpen ?? false;
  }

  /** What the gateway said about itself in the handshake (module, version, ...), once connected. */
  get serverInfo(): Readonly<Record<string, unknown>> | undefined {
    return this.connection?.serverInfo;
  }

  /** Close the connection; calls in flight reject with ConnectionLost. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    const conn = this.connection ?? (await this.connecting?.catch(() => undefined));
    conn?.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** Base class of generated proxies for instances held by the gateway. */
export class RemoteInstance implements AsyncDisposable {
  #released = false;

  constructor(
    /** @internal */
    protected readonly $client: Client,
    /** The IDL class name. */
    readonly className: string,
    /** @internal */
    private readonly $handle: InstanceHandle,
  ) {
    finalizer?.register(this, $handle, this);
  }

  /** The instance id on the gateway (unique on its connection). */
  get id(): number {
    return this.$handle.id;
  }

  /** True after close(), or once the connection that holds the instance has closed. */
  get released(): boolean {
    return this.#released || !this.$handle.connection.isAlive;
  }

  /** @internal */
  $connection(): Connection {
    if (this.#released) {
      throw new GraftError(
        `${this.className} #${this.id} was released`,
        StatusCode.FAILED_PRECONDITION,
      );
    }
    if (!this.$handle.connection.isAlive) {
      throw new ConnectionLost(
        `${this.className} #${this.id} belonged to a connection that has closed`,
      );
    }
    return this.$handle.connection;
  }

  /** @internal The wire reference, for passing the proxy as an argument. */
  $ref(): InstanceRef {
    this.$connection();
    return new InstanceRef(this.className, this.id);
  }

  /** @internal Used by generated methods. */
  protected $call(
    spec: MemberSpec,
    args: readonly unknown[],
    options?: CallOptions,
  ): Promise<unknown> {
    return this.$client.call(spec, args, options, this);
  }

  /** @internal Used by generated methods that return a stream. */
  protected $stream<T>(
    spec: MemberSpec,
    args: readonly unknown[],
    options?: CallOptions,
  ): RemoteStream<T> {
    return this.$client.stream<T>(spec, args, options, this);
  }

  /** Release the instance on the gateway. Idempotent; later calls fail with FAILED_PRECONDITION. */
  async close(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    finalizer?.unregister(this);
    const conn = this.$handle.connection;
    conn.release(this.id);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  toString(): string {
    return `<remote ${this.className} #${this.id}>`;
  }
}
