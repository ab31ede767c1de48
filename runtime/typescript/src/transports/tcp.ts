/** TCP (and TLS) for Node: each message is a 4-byte big-endian length, then the message. */
export { FrameReader, frame };
import * as net from "node:net";
import * as tls from "node:tls";
import { ConnectionLost } from "../errors.js";
import { FrameReader, frame } from "../framing.js";
import { nodeTls } from "./tls-files.js";
import type { Endpoint } from "../endpoint.js";
import {
  openGuard,
  type Transport,
  type TransportHandlers,
  type TransportOptions,
} from "../transport.js";

export async function openTcp(
  endpoint: Endpoint,
  handlers: TransportHandlers,
  options: TransportOptions,
): Promise<Transport> {
  const socket: net.Socket = endpoint.tls
    ? tls.connect({
        host: endpoint.host,
        port: endpoint.port,
        ...(net.isIP(endpoint.host) ? {} : { servername: endpoint.host }),
        ...nodeTls(options.tls),
      })
    : net.connect({ host: endpoint.host, port: endpoint.port });
  socket.setNoDelay(true);
  const guard = openGuard(endpoint, options, () => socket.destroy());
  const opened = new Promise<void>((resolve, reject) => {
    socket.once(endpoint.tls ? "secureConnect" : "connect", () => resolve());
    socket.once("error", (e) =>
      reject(
        new ConnectionLost(`could not connect to ${endpoint.url}: ${e.message}`, { cause: e }),
      ),
    );
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
    failure ??= new ConnectionLost(`connection to ${endpoint.url} failed: ${e.message}`, {
      cause: e,
    });
  });
  socket.on("close", () => {
    try {
      reader.eof();
    } catch (e) {
      failure ??= e as Error;
    }
    if (closed) {
      handlers.onClose();
      return;
    }
    closed = true;
    handlers.onClose(
      failure ?? new ConnectionLost(`the gateway at ${endpoint.url} closed the connection`),
    );
  });
  return {
    send(message: Uint8Array): void {
      if (closed || socket.destroyed)
        throw new ConnectionLost(`the connection to ${endpoint.url} is closed`);
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
