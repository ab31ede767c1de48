/** graftcode-runtime for Node.js: TCP/TLS through node:net and WebSocket through `ws`. */
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parse as parseToml, TomlError } from "smol-toml";
import { registerConfigLoader } from "./config-file.js";
import { registerFileReader } from "./config.js";
import { GraftError, StatusCode } from "./errors.js";
import { registerTransport } from "./transport.js";
import { openTcp } from "./transports/tcp.js";
import { openNodeWebSocket } from "./transports/ws-node.js";

registerTransport("tcp", openTcp);
registerTransport("ws", openNodeWebSocket);
registerFileReader((path) => readFileSync(path, "utf8"));
registerConfigLoader((env) => {
  const named = env["GRAFT_CONFIG"];
  const path = resolve(named || "graftcode.toml");
  if (!named && !existsSync(path)) return undefined;
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    const code = (e as { code?: string }).code ?? "unreadable";
    throw new GraftError(`cannot read config file ${path}: ${code}`, StatusCode.INVALID_ARGUMENT);
  }
  try {
    return { path, dir: dirname(path), data: parseToml(text) };
  } catch (e) {
    // line and column only: the parser's own message quotes the line, which may hold a token
    const at = e instanceof TomlError ? ` at line ${e.line}, column ${e.column}` : "";
    throw new GraftError(`${path}: not valid TOML${at}`, StatusCode.INVALID_ARGUMENT);
  }
});

export * from "./index.js";
