/** graftcode-runtime for Node.js: TCP/TLS through node:net and WebSocket through `ws`. */
import { registerTransport } from "./transport.js";
import { openTcp } from "./transports/tcp.js";
import { openNodeWebSocket } from "./transports/ws-node.js";

registerTransport("tcp", openTcp);
registerTransport("ws", openNodeWebSocket);

export * from "./index.js";
