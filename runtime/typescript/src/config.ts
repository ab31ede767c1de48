/**
 * Client settings, resolved with the precedence code > environment > generated default.
 *
 * Environment variables (read in Node only; browsers have no environment), where `<MODULE>` is
 * the module name in upper case with non-alphanumerics as `_` (`shop` -> `SHOP`). These are the
 * names and formats the Python runtime reads too. There is no global URL: one would send every
 * module's calls to the same gateway.
 *
 *   GRAFT_<MODULE>_URL                              gateway URL (tcp://, tls://, ws://, wss://),
 *                                                   or host:port with GRAFT_<MODULE>_TRANSPORT
 *   GRAFT_<MODULE>_TRANSPORT / GRAFT_TRANSPORT      tcp, tls, ws or wss (for a URL without scheme)
 *   GRAFT_<MODULE>_TIMEOUT / GRAFT_TIMEOUT          default per-call deadline, in seconds
 *   GRAFT_<MODULE>_CONNECT_TIMEOUT / GRAFT_CONNECT_TIMEOUT   connect timeout, in seconds
 *   GRAFT_<MODULE>_METADATA / GRAFT_METADATA        metadata sent with every call: `k=v,k2=v2`
 *                                                   (keys lowercased, as in code)
 *   GRAFT_<MODULE>_TLS_CA, _TLS_CERT, _TLS_KEY      PEM files for tls:// and wss:// (Node)
 *   GRAFT_<MODULE>_TLS_VERIFY                       false accepts any certificate (tests only)
 *   GRAFT_<MODULE>_TOKEN                            the token sent in the handshake
 *   GRAFT_<MODULE>_TOKEN_FILE                       a file holding it, read at each connect (Node)
 *   GRAFT_<MODULE>_RETRY_ATTEMPTS / GRAFT_RETRY_ATTEMPTS     attempts of an @idempotent call (1: no
 *                                                   retry); _RETRY_BACKOFF, _RETRY_MAX_BACKOFF in
 *                                                   seconds (docs/deploy.md, "Retry policy")
 *
 * The token is per module only, like the URL: a global one would reach every module's gateway.
 * The highest level giving either `token` or `tokenFile` wins; one level giving both is an error.
 *
 * Below the environment, in Node, comes the config file the Python runtime reads too
 * (`$GRAFT_CONFIG`, else `./graftcode.toml`): `[modules.<name>]`, then `[defaults]`, with the
 * same keys in snake case (config-file.ts).
 */
import { fileLevel, type FileValue } from "./config-file.js";
import { GraftError, StatusCode } from "./errors.js";
import type { ClientInterceptor } from "./interceptors.js";
import { retryPolicy, type RetryPolicy } from "./retry.js";
import type { TransportFactory } from "./transport.js";

export type TransportName = "tcp" | "tls" | "ws" | "wss";

/** TLS for tls:// and wss:// in Node (browsers use their own trust store). PEM text or bytes. */
export interface TlsOptions {
  /** Trusted CA certificates (e.g. a private CA's, or a self-signed gateway's). */
  ca?: string | Uint8Array;
  /** Client certificate and key, for gateways that ask for one. */
  cert?: string | Uint8Array;
  key?: string | Uint8Array;
  /** The same three, as file paths (what the environment variables give). */
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  /** The name to verify the certificate against, when it is not the URL's host. */
  servername?: string;
  /** Default true; false accepts any certificate (tests only: it disables authentication). */
  rejectUnauthorized?: boolean;
}
const TRANSPORTS: readonly string[] = ["tcp", "tls", "ws", "wss"];

export interface ClientOptions {
  /** The gateway URL, e.g. `ws://127.0.0.1:7471/` or `tcp://127.0.0.1:7470`. */
  url?: string;
  /** The transport for a URL given without a scheme (`host:port`); must agree with a scheme. */
  transport?: TransportName;
  /** Default deadline for every call, in milliseconds; `0` or `Infinity` means none. */
  timeoutMs?: number;
  /** How long opening the connection (and the handshake) may take, in milliseconds. */
  connectTimeoutMs?: number;
  /**
   * Metadata (string headers) sent with every call; per-call metadata is merged over it. Keys
   * are sent lowercase (`X-Tenant` goes as `x-tenant`).
   */
  metadata?: Record<string, string>;
  /** The largest message accepted from the gateway, in bytes. */
  maxMessageBytes?: number;
  /** Extra headers for the WebSocket upgrade request (Node only). */
  headers?: Record<string, string>;
  /** Replace the transport chosen from the URL's scheme (for tests, or a custom socket). */
  transportFactory?: TransportFactory;
  /** Reconnect on the next call after the connection was lost (default true). */
  reconnect?: boolean;
  /** An authentication token sent in the handshake (`token` is the same setting). */
  auth?: string | Uint8Array;
  /** The token sent in the handshake; never printed in errors or logs. */
  token?: string;
  /**
   * A file holding the token (Node): read at every connect, so a rotated secret (a mounted
   * Kubernetes or Docker secret) is picked up on reconnect; a trailing newline is dropped.
   */
  tokenFile?: string;
  /** TLS settings for tls:// and wss:// (Node). */
  tls?: TlsOptions;
  /** Where warnings go (a schema mismatch with the gateway); default console.warn. */
  onWarning?: (message: string) => void;
  /** Run around every call, in this order (see interceptors.ts). */
  interceptors?: readonly ClientInterceptor[];
  /** How calls to members marked `@idempotent` are retried after UNAVAILABLE (retry.ts). */
  retry?: Partial<RetryPolicy>;
}

export interface ResolvedOptions {
  url: string;
  timeoutMs: number;
  connectTimeoutMs: number;
  metadata: Record<string, string>;
  maxMessageBytes: number;
  headers: Record<string, string>;
  transportFactory: TransportFactory | undefined;
  reconnect: boolean;
  auth: string | Uint8Array | undefined;
  /** When set, the token is read from this file at each connect instead of `auth`. */
  tokenFile: string | undefined;
  tls: TlsOptions;
  onWarning: (message: string) => void;
  interceptors: readonly ClientInterceptor[];
  retry: RetryPolicy;
}

export const DEFAULTS = {
  url: "ws://127.0.0.1:7471/",
  timeoutMs: 0,
  connectTimeoutMs: 10_000,
  maxMessageBytes: 4 * 1024 * 1024,
} as const;

type Env = Record<string, string | undefined>;

function environment(): Env {
  const proc = (globalThis as { process?: { env?: Env } }).process;
  return proc?.env ?? {};
}

export function envPrefix(module: string): string {
  return `GRAFT_${module.toUpperCase().replace(/[^A-Z0-9]/g, "_")}_`;
}

function seconds(name: string, text: string): number {
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n) || n < 0) {
    throw new GraftError(
      `${name}=${JSON.stringify(text)}: expected a number of seconds`,
      StatusCode.INVALID_ARGUMENT,
    );
  }
  return n * 1000;
}

export function parseMetadata(name: string, text: string): Record<string, string> {
  const pairs: [string, string][] = [];
  for (const part of text.split(",")) {
    if (part.trim() === "") continue;
    const eq = part.indexOf("=");
    if (eq <= 0)
      throw new GraftError(
        `${name}: expected k=v pairs separated by commas, got ${JSON.stringify(part)}`,
        StatusCode.INVALID_ARGUMENT,
      );
    pairs.push([part.slice(0, eq).trim(), part.slice(eq + 1).trim()]);
  }
  return lowercaseMetadata(Object.fromEntries(pairs), name);
}

/**
 * Metadata with its keys' ASCII letters lowercased, as HTTP/2 and gRPC treat header names: the
 * protocol sends lowercase keys (docs/protocol.md 5.3), and `X-User` is the habit. Other
 * characters are kept, for the check before sending to refuse. Two keys of one object that
 * differ only in case are an INVALID_ARGUMENT naming both (which one was meant is not for the
 * client to guess); between layers (environment, client, call) the later one still wins.
 */
export function lowercaseMetadata<V>(
  metadata: Readonly<Record<string, V>>,
  where = "metadata",
): Record<string, V> {
  let changed = false;
  const seen = new Map<string, string>();
  const entries: [string, V][] = [];
  for (const [key, value] of Object.entries(metadata)) {
    const lower = /[A-Z]/.test(key) ? key.replace(/[A-Z]+/g, (s) => s.toLowerCase()) : key;
    changed ||= lower !== key;
    const other = seen.get(lower);
    if (other !== undefined) {
      throw new GraftError(
        `${where}: keys ${JSON.stringify(other)} and ${JSON.stringify(key)} differ only in case ` +
          `(metadata keys are sent lowercase): give one of them`,
        StatusCode.INVALID_ARGUMENT,
      );
    }
    seen.set(lower, key);
    entries.push([lower, value]);
  }
  // fromEntries, not assignment: a "__proto__" key stays an ordinary key
  return changed ? Object.fromEntries(entries) : { ...metadata };
}

/** Resolve the settings for module `module`: `options` (code) over the environment over `defaults`. */
export function resolveOptions(
  module: string,
  options: ClientOptions = {},
  defaults: { url?: string } = {},
  env: Env = environment(),
): ResolvedOptions {
  const prefix = envPrefix(module);
  const file = fileLevel(module, env);
  // the environment (the module's variable, then the global one), then the config file
  const source = (key: string): [string, FileValue] | undefined => {
    const names = PER_MODULE.includes(key) ? [prefix + key] : [prefix + key, `GRAFT_${key}`];
    for (const name of names) {
      const v = env[name];
      if (v !== undefined && v !== "") return [name, v];
    }
    return file(key);
  };
  const pick = (key: string): [string, string] | undefined => {
    const found = source(key);
    return found && typeof found[1] === "string" ? [found[0], found[1]] : undefined;
  };
  let url = options.url ?? pick("URL")?.[1] ?? defaults.url ?? DEFAULTS.url;
  const transportEnv = pick("TRANSPORT");
  const transport = options.transport ?? transportEnv?.[1];
  if (transport !== undefined) {
    if (!TRANSPORTS.includes(transport)) {
      throw new GraftError(
        `transport ${JSON.stringify(transport)}: use one of ${TRANSPORTS.join(", ")}`,
        StatusCode.INVALID_ARGUMENT,
      );
    }
    const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
    if (scheme === undefined) url = `${transport}://${url}`;
    else if (scheme !== transport && !(scheme === "tcp+tls" && transport === "tls")) {
      throw new GraftError(
        `module ${JSON.stringify(module)}: transport ${JSON.stringify(transport)} contradicts the URL ${JSON.stringify(url)}`,
        StatusCode.INVALID_ARGUMENT,
      );
    }
  } else if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) url = `tcp://${url}`;
  const timeoutEnv = pick("TIMEOUT");
  const connectEnv = pick("CONNECT_TIMEOUT");
  const metadataEnv = source("METADATA");
  return {
    url,
    timeoutMs: options.timeoutMs ?? (timeoutEnv ? seconds(...timeoutEnv) : DEFAULTS.timeoutMs),
    connectTimeoutMs:
      options.connectTimeoutMs ?? (connectEnv ? seconds(...connectEnv) : DEFAULTS.connectTimeoutMs),
    metadata: {
      ...(metadataEnv === undefined
        ? {}
        : typeof metadataEnv[1] === "string"
          ? parseMetadata(metadataEnv[0], metadataEnv[1])
          : lowercaseMetadata(metadataEnv[1], metadataEnv[0])),
      ...lowercaseMetadata(options.metadata ?? {}, "ClientOptions.metadata"),
    },
    maxMessageBytes: options.maxMessageBytes ?? DEFAULTS.maxMessageBytes,
    headers: options.headers ?? {},
    transportFactory: options.transportFactory,
    reconnect: options.reconnect ?? true,
    ...credential(options, [
      [env[prefix + "TOKEN"] || undefined, env[prefix + "TOKEN_FILE"] || undefined, prefix + "*"],
      [file("TOKEN")?.[1], file("TOKEN_FILE")?.[1], file("TOKEN")?.[0] ?? file("TOKEN_FILE")?.[0]],
    ]),
    tls: {
      ...Object.fromEntries(
        (
          [
            ["TLS_CA", "caFile"],
            ["TLS_CERT", "certFile"],
            ["TLS_KEY", "keyFile"],
          ] as const
        )
          .map(([key, name]) => [name, pick(key)?.[1]])
          .filter(([, v]) => v !== undefined),
      ),
      ...(pick("TLS_VERIFY")
        ? { rejectUnauthorized: !/^(0|false|no|off)$/i.test(pick("TLS_VERIFY")?.[1] ?? "") }
        : {}),
      ...(pick("TLS_SERVER_NAME") ? { servername: pick("TLS_SERVER_NAME")?.[1] } : {}),
      ...(options.tls ?? {}),
    },
    onWarning: options.onWarning ?? ((m: string) => console.warn(m)),
    interceptors: options.interceptors ?? [],
    retry: retrySettings(options, pick),
  };
}

/** The retry policy: code over the environment and file (`RETRY_*`, seconds) over defaults. */
function retrySettings(
  options: ClientOptions,
  pick: (key: string) => [string, string] | undefined,
): RetryPolicy {
  const fromText: Partial<{ -readonly [K in keyof RetryPolicy]: number }> = {};
  const attempts = pick("RETRY_ATTEMPTS");
  if (attempts !== undefined) {
    const n = Number(attempts[1]);
    if (!Number.isInteger(n) || n < 1) {
      throw new GraftError(
        `${attempts[0]}=${JSON.stringify(attempts[1])}: expected a whole number >= 1 (1: never retry)`,
        StatusCode.INVALID_ARGUMENT,
      );
    }
    fromText.maxAttempts = n;
  }
  const backoff = pick("RETRY_BACKOFF");
  if (backoff !== undefined) fromText.initialBackoffMs = seconds(...backoff);
  const maxBackoff = pick("RETRY_MAX_BACKOFF");
  if (maxBackoff !== undefined) fromText.maxBackoffMs = seconds(...maxBackoff);
  return retryPolicy({ ...fromText, ...options.retry });
}

/** Settings only a module's own variable may give (a global one would reach every gateway). */
const PER_MODULE: readonly string[] = [
  "URL",
  "TOKEN",
  "TOKEN_FILE",
  "TLS_CA",
  "TLS_CERT",
  "TLS_KEY",
  "TLS_VERIFY",
  "TLS_SERVER_NAME",
];

/** `token` and `tokenFile` are one setting in two spellings: the highest level giving either
 * wins (code, then the environment, then the config file); one level giving both is an error. */
function credential(
  options: ClientOptions,
  levels: [FileValue | undefined, FileValue | undefined, string | undefined][],
): { auth: string | Uint8Array | undefined; tokenFile: string | undefined } {
  const code = [options.auth, options.token, options.tokenFile].filter((v) => v !== undefined);
  if (code.length > 1) {
    throw new GraftError(
      "ClientOptions: give one of auth, token and tokenFile",
      StatusCode.INVALID_ARGUMENT,
    );
  }
  if (code.length === 1) {
    return { auth: options.auth ?? options.token, tokenFile: options.tokenFile };
  }
  for (const [token, tokenFile, where] of levels) {
    if (token !== undefined && tokenFile !== undefined) {
      throw new GraftError(
        `${where}: give token or token_file, not both`,
        StatusCode.INVALID_ARGUMENT,
      );
    }
    if (typeof token === "string") return { auth: token, tokenFile: undefined };
    if (typeof tokenFile === "string") return { auth: undefined, tokenFile };
  }
  return { auth: undefined, tokenFile: undefined };
}

type FileReader = (path: string) => string;
let readFile: FileReader | undefined;

/** The platform entry point (Node) gives the runtime a way to read files; browsers have none. */
export function registerFileReader(reader: FileReader): void {
  readFile = reader;
}

/** The token to send now: a token file is read at each connect; errors name the file only. */
export function currentAuth(options: ResolvedOptions): string | Uint8Array | undefined {
  if (options.tokenFile === undefined) return options.auth;
  if (readFile === undefined) {
    throw new GraftError(
      "tokenFile needs a platform that can read files (Node); give token instead",
      StatusCode.INVALID_ARGUMENT,
    );
  }
  let text: string;
  try {
    text = readFile(options.tokenFile);
  } catch (e) {
    const code = (e as { code?: string }).code ?? "unreadable";
    throw new GraftError(
      `cannot read the token file ${options.tokenFile}: ${code}`,
      StatusCode.INVALID_ARGUMENT,
    );
  }
  const token = text.replace(/[\r\n]+$/, "");
  if (token === "") {
    throw new GraftError(
      `the token file ${options.tokenFile} is empty`,
      StatusCode.INVALID_ARGUMENT,
    );
  }
  return token;
}
