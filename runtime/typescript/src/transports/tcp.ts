/** TCP (and TLS) for Node: each message is a 4-byte big-endian length, then the message. */
import * as net from "node:net";
import * as tls from "node:tls";
import { ConnectionLost, ProtocolError } from "../errors.js";
import type { Endpoint } from "../endpoint.js";
import { openGuard, type Transport, type TransportHandlers, type TransportOptions } from "../transport.js";

/** Splits a byte stream into length-prefixed messages; sans-IO so it is tested on its own. */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(private readonly maxMessageBytes: number) {}

  /** Feed bytes; returns every message now complete. Throws ProtocolError on an oversize frame. */
  feed(data: Uint8Array): Uint8Array[] {
    this.chunks.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    this.buffered += data.byteLength;
    const out: Uint8Array[] = [];
    for (;;) {
      if (this.buffered < 4) break;
      const head = this.peek(4);
      const length = head.readUInt32BE(0);
      if (length > this.maxMessageBytes) {
        throw new ProtocolError(`the gateway sent a ${length}-byte message; the limit is ${this.maxMessageBytes}`);
      }
      if (this.buffered < 4 + length) break;
      const all = this.take(4 + length);
      out.push(new Uint8Array(all.buffer, all.byteOffset + 4, length));
    }
    return out;
  }

  private peek(n: number): Buffer {
    if (this.chunks[0] !== undefined && this.chunks[0].length >= n) return this.chunks[0];
    const joined = Buffer.concat(this.chunks);
    this.chunks = [joined];
    return joined;
  }

  private take(n: number): Buffer {
    const joined = this.peek(n);
    const head = joined.subarray(0, n);
    const rest = joined.subarray(n);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered -= n;
    return head;
  }
}

export function frame(message: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + message.length);
  new DataView(out.buffer).setUint32(0, message.length);
  out.set(message, 4);
  return out;
}

export async function openTcp(
  endpoint: Endpoint,
  handlers: TransportHandlers,
  options: TransportOptions,
): Promise<Transport> {
  const socket: net.Socket = endpoint.tls
    ? tls.connect({ host: endpoint.host, port: endpoint.port, servername: net.isIP(endpoint.host) ? undefined : endpoint.host })
    : net.connect({ host: endpoint.host, port: endpoint.port });
  socket.setNoDelay(true);
  const guard = openGuard(endpoint, options, () => socket.destroy());
  const opened = new Promise<void>((resolve, reject) => {
    socket.once(endpoint.tls ? "secureConnect" : "connect", () => resolve());
    socket.once("error", (e) => reject(new ConnectionLost(`could not connect to ${endpoint.url}: ${e.message}`, { cause: e })));
  });
  try {
    await Promise.race([opened, guard.promise]);
  } finally {
    guard.done();
  }

  const reader = new FrameReader(options.maxMessageBytes);
  let closed = false;
  let failure: Error | undefined;
  socket.on("data", (data: Buffer) => {
    let messages: Uint8Array[];
    try {
      messages = reader.feed(data);
    } catch (e) {
      failure = e as Error;
      socket.destroy();
      return;
    }
    for (const m of messages) handlers.onMessage(m);
  });
  socket.on("error", (e) => {
    failure ??= new ConnectionLost(`connection to ${endpoint.url} failed: ${e.message}`, { cause: e });
  });
  socket.on("close", () => {
    if (closed) {
      handlers.onClose();
      return;
    }
    closed = true;
    handlers.onClose(failure ?? new ConnectionLost(`the gateway at ${endpoint.url} closed the connection`));
  });
  return {
    send(message: Uint8Array): void {
      if (closed || socket.destroyed) throw new ConnectionLost(`the connection to ${endpoint.url} is closed`);
      socket.write(frame(message));
    },
    close(): void {
      if (closed) return;
      closed = true;
      socket.end();
      socket.destroySoon();
    },
  };
}
