/**
 * The connection rules of streams (docs/protocol.md 5.5), sans-IO like the rest of
 * {@link ProtocolState}, which owns one of these: whether the feature is in effect, and the
 * credit of every stream in flight, both ways. A violation throws the PeerProtocolError the
 * GOAWAY must carry; a race the protocol allows (a late WINDOW, an ITEM after our answer) does not.
 *
 * The rules are the same for both ends once "who may send items" is known: `incoming` is the
 * credit the peer has left to send us items of a call, `outgoing` ours. A client learns both
 * when it sends the CALL (its `window`; the gateway's `stream_window` for a client stream); a
 * gateway when it receives it and when it accepts the call as taking a client stream.
 */
import { StatusCode } from "./errors.js";
import type { CallId, Hello, Message } from "./protocol.js";

export const STREAM_FEATURE = "stream";
/** The gateway HELLO's `stream_window` when it sends none. */
export const DEFAULT_STREAM_WINDOW = 16;
export const MAX_WINDOW = 2 ** 32 - 1;

type Fail = (message: string, code?: StatusCode) => Error;

function lists(info: Record<string, unknown>, feature: string): boolean {
  const features = info["features"];
  return Array.isArray(features) && features.includes(feature);
}

export class StreamRules {
  /** True once both HELLOs list the feature `stream`. */
  enabled = false;
  /** The credit of a client stream at its start: the gateway HELLO's `stream_window`. */
  initialWindow = DEFAULT_STREAM_WINDOW;
  private readonly incoming = new Map<CallId, number>();
  private readonly outgoing = new Map<CallId, number>();
  /** Client streams whose END has come (gateway side). */
  private readonly ended = new Set<CallId>();

  constructor(
    private readonly role: "client" | "server",
    private readonly fail: Fail,
  ) {}

  /** The credit left for our items on call `id` (0 when it has none or sends no stream). */
  credit(id: CallId): number {
    return this.outgoing.get(id) ?? 0;
  }

  /** Gateway side: call `id` takes a client stream (its member says so). */
  acceptStream(id: CallId): void {
    this.incoming.set(id, this.initialWindow);
  }

  private hello(m: Hello): void {
    this.enabled = lists(m.info, STREAM_FEATURE);
    const w = m.info["stream_window"];
    if (typeof w === "number" && Number.isInteger(w) && w >= 1 && w <= MAX_WINDOW)
      this.initialWindow = w;
  }

  sent(m: Message, clientStream: boolean): void {
    switch (m.type) {
      case "hello":
        if (this.role === "server") this.hello(m);
        return;
      case "call":
        if (m.window !== undefined) this.incoming.set(m.id, m.window);
        if (clientStream) this.outgoing.set(m.id, this.initialWindow);
        return;
      case "item":
        this.add(this.outgoing, m.id, -1);
        return;
      case "window":
        this.add(this.incoming, m.id, m.n);
        return;
      case "result":
      case "error":
        this.forget(m.id);
        return;
      default:
        return;
    }
  }

  /** Check a message from the peer; `lastId` and `inFlight` are the call rules' state. */
  received(m: Message, lastId: CallId, inFlight: ReadonlySet<CallId>): void {
    switch (m.type) {
      case "hello":
        if (this.role === "client") this.hello(m);
        return;
      case "call":
        if (m.window !== undefined && this.enabled) this.outgoing.set(m.id, m.window);
        return;
      case "result":
      case "error":
        this.forget(m.id);
        return;
      case "item":
      case "end":
      case "window":
        break;
      default:
        return;
    }
    const name = m.type.toUpperCase();
    if (!this.enabled)
      throw this.fail(
        `unknown message kind ${name} (the feature stream is not in effect)`,
        StatusCode.UNIMPLEMENTED,
      );
    if (!inFlight.has(m.id)) {
      // a gateway may have answered the call already: what crossed the answer is ignored
      if (this.role === "server" && m.id <= lastId) return;
      throw this.fail(`${name} for call ${m.id}, which is not in flight`);
    }
    if (m.type === "window") {
      const left = this.outgoing.get(m.id);
      if (left === undefined) throw this.fail(`WINDOW for call ${m.id}, which sends no stream`);
      if (left + m.n > MAX_WINDOW)
        throw this.fail(`WINDOW for call ${m.id} raises its credit beyond 2^32-1`);
      this.outgoing.set(m.id, left + m.n);
      return;
    }
    const left = this.incoming.get(m.id);
    if (left === undefined || this.ended.has(m.id)) {
      const why = left === undefined ? "which has no stream to receive" : "after its END";
      throw this.fail(`${name} for call ${m.id}, ${why}`);
    }
    if (m.type === "end") {
      this.ended.add(m.id);
      return;
    }
    if (left <= 0)
      throw this.fail(`ITEM for call ${m.id} beyond its credit`, StatusCode.RESOURCE_EXHAUSTED);
    this.incoming.set(m.id, left - 1);
  }

  private add(credits: Map<CallId, number>, id: CallId, n: number): void {
    const left = credits.get(id);
    if (left !== undefined) credits.set(id, left + n);
  }

  private forget(id: CallId): void {
    this.incoming.delete(id);
    this.outgoing.delete(id);
    this.ended.delete(id);
  }
}
