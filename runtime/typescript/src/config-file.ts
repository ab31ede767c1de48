/**
 * The config file level of the settings: `$GRAFT_CONFIG`, else `./graftcode.toml`, the file the
 * Python runtime reads too. `[modules.<name>]` comes first, then `[defaults]`; keys are the
 * Python ones (`url`, `transport`, `timeout`, `connect_timeout` in seconds, `metadata` as a
 * table or `k=v` pairs, `token`, `token_file`, and a `tls` table of `ca_file`, `cert_file`,
 * `key_file`, `verify`, `server_hostname`); relative paths are relative to the file. Keys only
 * the Python runtime uses (`interceptors`, `inmemory_module`) are skipped.
 *
 * Reading files is the platform's business: Node's entry point registers the loader (it parses
 * TOML with smol-toml); browsers have no file level. Values come out spelled like the
 * environment's (`TIMEOUT`, `TLS_CA`...), so config.ts resolves both the same way.
 */
import { GraftError, StatusCode } from "./errors.js";

export type FileValue = string | Record<string, string>;
type Env = Record<string, string | undefined>;

export interface ConfigDocument {
  /** The file, as error messages name it. */
  path: string;
  /** Its directory: relative paths in it are resolved from there. */
  dir: string;
  data: Record<string, unknown>;
}

let loader: ((env: Env) => ConfigDocument | undefined) | undefined;

/** Node's entry point gives the runtime the file (browsers register nothing). */
export function registerConfigLoader(load: (env: Env) => ConfigDocument | undefined): void {
  loader = load;
}

const KEYS: Record<string, string> = {
  url: "URL",
  transport: "TRANSPORT",
  timeout: "TIMEOUT",
  connect_timeout: "CONNECT_TIMEOUT",
  metadata: "METADATA",
  token: "TOKEN",
  token_file: "TOKEN_FILE",
  retry_attempts: "RETRY_ATTEMPTS",
  retry_backoff: "RETRY_BACKOFF",
  retry_max_backoff: "RETRY_MAX_BACKOFF",
};
const TLS_KEYS: Record<string, string> = {
  ca_file: "TLS_CA",
  cert_file: "TLS_CERT",
  key_file: "TLS_KEY",
  verify: "TLS_VERIFY",
  server_hostname: "TLS_SERVER_NAME",
};
const PATHS = new Set(["TOKEN_FILE", "TLS_CA", "TLS_CERT", "TLS_KEY"]);
const PYTHON_ONLY = new Set(["interceptors", "inmemory_module"]);
const MODULE_ONLY = ["url", "token", "token_file"]; // as in the environment: never in [defaults]

type Lookup = (key: string) => [string, FileValue] | undefined;

/** The file's settings of `module`, looked up by environment-style key (`TIMEOUT`). */
export function fileLevel(module: string, env: Env): Lookup {
  const doc = loader?.(env);
  if (doc === undefined) return () => undefined;
  const modules = table(doc.data["modules"] ?? {}, `${doc.path}: [modules.<name>]`);
  const defaults = table(doc.data["defaults"] ?? {}, `${doc.path}: [defaults]`);
  for (const key of MODULE_ONLY) {
    if (key in defaults) {
      throw invalid(`${doc.path}: ${key} belongs in [modules.<name>], not [defaults]`);
    }
  }
  const own = Object.hasOwn(modules, module) ? modules[module] : {};
  const mine = flatten(
    table(own, `${doc.path}: [modules.${module}]`),
    `${doc.path} [modules.${module}]`,
    doc.dir,
  );
  const common = flatten(defaults, `${doc.path} [defaults]`, doc.dir);
  return (key) => mine.get(key) ?? common.get(key);
}

function flatten(
  raw: Record<string, unknown>,
  where: string,
  dir: string,
): Map<string, [string, FileValue]> {
  const out = new Map<string, [string, FileValue]>();
  for (const [key, value] of Object.entries(raw)) {
    if (PYTHON_ONLY.has(key)) continue;
    if (key === "tls") {
      for (const [tlsKey, v] of Object.entries(table(value, `${where} tls`))) {
        const name = TLS_KEYS[tlsKey];
        if (name === undefined)
          throw invalid(`${where}: unknown tls setting ${JSON.stringify(tlsKey)}`);
        out.set(name, [`${where} tls.${tlsKey}`, scalar(name, v, `${where} tls.${tlsKey}`, dir)]);
      }
      continue;
    }
    const name = Object.hasOwn(KEYS, key) ? KEYS[key] : undefined;
    if (name === undefined) throw invalid(`${where}: unknown setting ${JSON.stringify(key)}`);
    if (name === "METADATA" && typeof value === "object" && value !== null) {
      const pairs = Object.entries(table(value, `${where} metadata`));
      if (!pairs.every(([, v]) => typeof v === "string")) {
        throw invalid(`${where} metadata: must map strings to strings`);
      }
      out.set(name, [`${where} metadata`, Object.fromEntries(pairs) as Record<string, string>]);
      continue;
    }
    out.set(name, [`${where} ${key}`, scalar(name, value, `${where} ${key}`, dir)]);
  }
  return out;
}

function scalar(name: string, value: unknown, where: string, dir: string): string {
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (typeof value !== "string" || value === "") {
    // the value itself is never quoted: it may be a token
    throw invalid(`${where}: must be a non-empty string`);
  }
  return PATHS.has(name) && !value.startsWith("/") ? `${dir}/${value}` : value;
}

function table(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalid(`${where} must be a table`);
  }
  return value as Record<string, unknown>;
}

function invalid(message: string): GraftError {
  return new GraftError(message, StatusCode.INVALID_ARGUMENT);
}
