/** graftcode-runtime for Node.js: TCP/TLS through node:net and WebSocket through `ws`. */
import { readFileSync } from "node:fs";
import { registerFileReader } from "./config.js";
import { registerTransport } from "./transport.js";
import { openTcp } from "./transports/tcp.js";
import { openNodeWebSocket } from "./transports/ws-node.js";

registerTransport("tcp", openTcp);
registerTransport("ws", openNodeWebSocket);
registerFileReader((path) => readFileSync(path, "utf8"));

export * from "./index.js";
