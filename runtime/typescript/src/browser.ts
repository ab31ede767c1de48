/** graftcode-runtime for browsers: WebSocket through the platform's own `WebSocket`. */
import { registerTransport } from "./transport.js";
import { openNativeWebSocket } from "./transports/ws-browser.js";

registerTransport("ws", openNativeWebSocket);

export * from "./index.js";
