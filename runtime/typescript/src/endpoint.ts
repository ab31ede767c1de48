/**
 * Gateway URLs, parsed exactly as the Python runtime parses them:
 *
 *     tcp://host:port        length-prefixed frames over TCP (Node only)
 *     tls://host:port        the same inside TLS (`tcp+tls://` is an alias; Node only)
 *     ws://host[:port]/path  one binary WebSocket message per protocol message
 *     wss://host[:port]/path the same inside TLS
 */
import { GraftError, StatusCode } from "./errors.js";

export type TransportKind = "tcp" | "ws";

export interface Endpoint {
  readonly transport: TransportKind;
  readonly tls: boolean;
  readonly host: string;
  readonly port: number;
  readonly path: string;
  /** The URL as given, normalised. */
  readonly url: string;
}

export const DEFAULT_WS_PORT = 7471;

const SCHEMES: Record<string, [TransportKind, boolean]> = {
  tcp: ["tcp", false],
  tls: ["tcp", true],
  "tcp+tls": ["tcp", true],
  ws: ["ws", false],
  wss: ["ws", true],
};

/** The URL graftcode reads or rejects: the message names the problem. */
export class InvalidURL extends GraftError {
  override name = "InvalidURL";
  constructor(message: string) {
    super(message, StatusCode.INVALID_ARGUMENT);
  }
}

export function parseEndpoint(url: string): Endpoint {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/(.*)$/.exec(url);
  const scheme = m?.[1]?.toLowerCase() ?? "";
  const known = SCHEMES[scheme];
  if (m === null || known === undefined) {
    throw new InvalidURL(
      `${JSON.stringify(url)}: unknown scheme ${JSON.stringify(scheme)} (use ${Object.keys(SCHEMES)
        .map((s) => `${s}://`)
        .join(", ")})`,
    );
  }
  let parsed: URL;
  try {
    // WHATWG URL treats unknown schemes opaquely; parse as http to get host and port.
    parsed = new URL(`http://${m[2] ?? ""}`);
  } catch {
    throw new InvalidURL(`${JSON.stringify(url)}: not a valid URL`);
  }
  const [transport, tls] = known;
  const host = parsed.hostname.replace(/^\[|\]$/g, "");
  if (host === "") throw new InvalidURL(`${JSON.stringify(url)}: no host`);
  let port: number;
  if (parsed.port === "") {
    // `new URL("http://h:80")` drops the default port 80; keep an explicit one.
    if (/^[^/]*:80(\/|$)/.test(m[2] ?? "")) port = 80;
    else if (transport === "tcp")
      throw new InvalidURL(`${JSON.stringify(url)}: no port (e.g. ${scheme}://${host}:7470)`);
    else port = DEFAULT_WS_PORT;
  } else port = Number(parsed.port);
  const path = (parsed.pathname || "/") + parsed.search;
  const hostPart = host.includes(":") ? `[${host}]` : host;
  const normal =
    transport === "tcp"
      ? `${tls ? "tls" : "tcp"}://${hostPart}:${port}`
      : `${tls ? "wss" : "ws"}://${hostPart}:${port}${path}`;
  return { transport, tls, host, port, path, url: normal };
}
