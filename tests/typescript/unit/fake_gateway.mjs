// A scripted gateway behind a fake transport, shared by the unit tests: `script(message, gw)`
// sees each message the client sends and answers with `gw.reply(message)`.
import { ConnectionLost, protocol } from "graftcode-runtime";

export function fakeGateway(script) {
  const sent = [];
  let handlers;
  const gw = {
    sent,
    reply: (m) => handlers.onMessage(protocol.encodeMessage(m)),
    drop: () => handlers.onClose(new ConnectionLost("dropped")),
  };
  const factory = async (_endpoint, h) => {
    handlers = h;
    return {
      send(bytes) {
        const m = protocol.decodeMessage(bytes);
        sent.push(m);
        queueMicrotask(() => script(m, gw));
      },
      close() {},
    };
  };
  return { gw, factory };
}
