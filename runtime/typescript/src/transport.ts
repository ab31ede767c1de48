/**
 * Transports carry whole protocol messages (bytes) between the client and the gateway. The
 * client never sees framing: TCP adds a length prefix, WebSocket sends one binary message each.
 * Which transports exist depends on the platform entry point (`node` or `browser`), which
 * registers them here.
 */
import { ConnectionLost, GraftError, StatusCode } from "./errors.js";
import type { TlsOptions } from "./config.js";
import type { Endpoint, TransportKind } from "./endpoint.js";

export interface Transport {
  /** Send one message. Throws ConnectionLost once the transport is closed. */
  send(message: Uint8Array): void;
  /** Close; `onClose` is called once, with no error. Idempotent. */
  close(): void;
}

export interface TransportHandlers {
  onMessage(message: Uint8Array): void;
  /** Called exactly once, when the transport closes for any reason. */
  onClose(error?: Error): void;
}

export interface TransportOptions {
  /** Give up opening the connection after this long. */
  connectTimeoutMs: number;
  /** The largest message accepted from the gateway; a larger one closes the connection. */
  maxMessageBytes: number;
  /** Extra HTTP headers for the WebSocket upgrade (Node only; browsers do not allow them). */
  headers?: Record<string, string>;
  /** Aborts opening the connection. */
  signal?: AbortSignal;
  /** TLS settings (Node transports). */
  tls?: TlsOptions;
}

export type TransportFactory = (
  endpoint: Endpoint,
  handlers: TransportHandlers,
  options: TransportOptions,
) => Promise<Transport>;

const factories = new Map<TransportKind, TransportFactory>();

/** Make `kind` URLs use `factory`. The platform entry points call this on import. */
export function registerTransport(kind: TransportKind, factory: TransportFactory): void {
  factories.set(kind, factory);
}

export function transportFor(kind: TransportKind): TransportFactory {
  const f = factories.get(kind);
  if (f === undefined) {
    throw new GraftError(
      kind === "tcp"
        ? "TCP needs Node.js: in a browser use a ws:// or wss:// gateway URL"
        : `no ${kind} transport is available on this platform (import "graftcode-runtime" so the platform entry point registers one)`,
      StatusCode.UNIMPLEMENTED,
    );
  }
  return f;
}

/** A timer plus abort wiring shared by the transports while a connection opens. */
export function openGuard(
  endpoint: Endpoint,
  options: TransportOptions,
  cancel: () => void,
): { promise: Promise<never>; done: () => void } {
  let reject!: (e: Error) => void;
  const promise = new Promise<never>((_, rej) => {
    reject = rej;
  });
  const timer = setTimeout(() => {
    cancel();
    reject(
      new ConnectionLost(
        `could not connect to ${endpoint.url} within ${options.connectTimeoutMs} ms`,
      ),
    );
  }, options.connectTimeoutMs);
  const onAbort = (): void => {
    cancel();
    reject(new ConnectionLost(`connecting to ${endpoint.url} was aborted`));
  };
  options.signal?.addEventListener("abort", onAbort, { once: true });
  return {
    promise,
    done: () => {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
    },
  };
}
