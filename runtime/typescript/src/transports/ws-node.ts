/** WebSocket for Node through the `ws` package (Node 20 has no global WebSocket by default). */
import WebSocket from "ws";
import { ConnectionLost, ProtocolError } from "../errors.js";
import type { Endpoint } from "../endpoint.js";
import { nodeTls } from "./tls-files.js";
import {
  openGuard,
  type Transport,
  type TransportHandlers,
  type TransportOptions,
} from "../transport.js";

export async function openNodeWebSocket(
  endpoint: Endpoint,
  handlers: TransportHandlers,
  options: TransportOptions,
): Promise<Transport> {
  const ws = new WebSocket(endpoint.url, {
    maxPayload: options.maxMessageBytes,
    headers: options.headers,
    perMessageDeflate: false,
    ...(endpoint.tls ? nodeTls(options.tls) : {}),
  });
  ws.binaryType = "nodebuffer";
  const guard = openGuard(endpoint, options, () => ws.terminate());
  const opened = new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("unexpected-response", (_req, res) => {
      reject(
        new ConnectionLost(
          `the gateway at ${endpoint.url} refused the WebSocket: HTTP ${res.statusCode}`,
        ),
      );
      ws.terminate();
    });
    ws.once("error", (e) =>
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

  let closedByUs = false;
  let failure: Error | undefined;
  ws.on("message", (data: Buffer, isBinary: boolean) => {
    if (!isBinary) {
      failure = new ProtocolError(
        "the gateway sent a text WebSocket message; the protocol uses binary ones",
      );
      ws.terminate();
      return;
    }
    handlers.onMessage(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  });
  ws.on("error", (e) => {
    failure ??= /max payload/i.test(e.message)
      ? new ProtocolError(
          `the gateway sent a message over the ${options.maxMessageBytes}-byte limit`,
        )
      : new ConnectionLost(`connection to ${endpoint.url} failed: ${e.message}`, { cause: e });
  });
  ws.on("close", (code: number) => {
    handlers.onClose(
      closedByUs
        ? undefined
        : (failure ??
            new ConnectionLost(`the gateway at ${endpoint.url} closed the connection (${code})`)),
    );
  });
  return {
    send(message: Uint8Array): void {
      if (closedByUs || ws.readyState !== WebSocket.OPEN)
        throw new ConnectionLost(`the connection to ${endpoint.url} is closed`);
      ws.send(message, { binary: true });
    },
    close(): void {
      if (closedByUs) return;
      closedByUs = true;
      ws.close(1000);
    },
  };
}
