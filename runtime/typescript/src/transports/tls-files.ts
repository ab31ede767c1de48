/** TLS material for the Node transports: PEM given inline, or read from the files named. */
import { readFileSync } from "node:fs";
import { GraftError, StatusCode } from "../errors.js";
import type { TlsOptions } from "../config.js";

export interface NodeTls {
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  servername?: string;
  rejectUnauthorized?: boolean;
}

function pem(
  inline: string | Uint8Array | undefined,
  file: string | undefined,
  what: string,
): string | Buffer | undefined {
  if (inline !== undefined) return typeof inline === "string" ? inline : Buffer.from(inline);
  if (file === undefined) return undefined;
  try {
    return readFileSync(file);
  } catch (e) {
    throw new GraftError(
      `cannot read the TLS ${what} file ${file}: ${(e as Error).message}`,
      StatusCode.INVALID_ARGUMENT,
    );
  }
}

export function nodeTls(options: TlsOptions | undefined): NodeTls {
  const out: NodeTls = {};
  if (options === undefined) return out;
  const ca = pem(options.ca, options.caFile, "CA");
  const cert = pem(options.cert, options.certFile, "certificate");
  const key = pem(options.key, options.keyFile, "key");
  if (ca !== undefined) out.ca = ca;
  if (cert !== undefined) out.cert = cert;
  if (key !== undefined) out.key = key;
  if (options.servername !== undefined) out.servername = options.servername;
  if (options.rejectUnauthorized !== undefined) out.rejectUnauthorized = options.rejectUnauthorized;
  return out;
}
