/** WebSocket through the platform's own `WebSocket` (browsers, Deno, Node >= 22). */
import { ConnectionLost, ProtocolError } from "../errors.js";
import type { Endpoint } from "../endpoint.js";
import {
  openGuard,
  type Transport,
  type TransportHandlers,
  type TransportOptions,
} from "../transport.js";

export async function openNativeWebSocket(
  endpoint: Endpoint,
  handlers: TransportHandlers,
  options: TransportOptions,
): Promise<Transport> {
  const ws = new WebSocket(endpoint.url);
  ws.binaryType = "arraybuffer";
  const guard = openGuard(endpoint, options, () => ws.close());
  const opened = new Promise<void>((resolve, reject) => {
    ws.addEventListener("open", () => resolve(), { once: true });
    // Browsers hide why a WebSocket failed (a refused Origin looks like any other failure).
    ws.addEventListener(
      "error",
      () => reject(new ConnectionLost(`could not connect to ${endpoint.url}`)),
      { once: true },
    );
  });
  try {
    await Promise.race([opened, guard.promise]);
  } finally {
    guard.done();
  }

  let closedByUs = false;
  let failure: Error | undefined;
  ws.addEventListener("message", (ev: MessageEvent) => {
    if (!(ev.data instanceof ArrayBuffer)) {
      failure = new ProtocolError(
        "the gateway sent a text WebSocket message; the protocol uses binary ones",
      );
      ws.close();
      return;
    }
    if (ev.data.byteLength > options.maxMessageBytes) {
      failure = new ProtocolError(
        `the gateway sent a message over the ${options.maxMessageBytes}-byte limit`,
      );
      ws.close();
      return;
    }
    handlers.onMessage(new Uint8Array(ev.data));
  });
  ws.addEventListener("close", (ev: CloseEvent) => {
    handlers.onClose(
      closedByUs
        ? undefined
        : (failure ??
            new ConnectionLost(
              `the gateway at ${endpoint.url} closed the connection (${ev.code})`,
            )),
    );
  });
  return {
    send(message: Uint8Array): void {
      if (closedByUs || ws.readyState !== WebSocket.OPEN)
        throw new ConnectionLost(`the connection to ${endpoint.url} is closed`);
      ws.send(message as Uint8Array<ArrayBuffer>);
    },
    close(): void {
      if (closedByUs) return;
      closedByUs = true;
      ws.close(1000);
    },
  };
}
