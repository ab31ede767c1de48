/**
 * Length-prefixed frames for byte streams (TCP, TLS): a uint32 big-endian payload length, then
 * the payload (docs/protocol.md 2.1). Sans-IO: feed bytes, get whole messages.
 */
import { ConnectionLost, StatusCode } from "./errors.js";
import { PeerProtocolError } from "./protocol.js";

export class FrameReader {
  private buf = new Uint8Array(0);
  private start = 0;
  private end = 0;

  constructor(private readonly maxMessageSize: number) {}

  /** Bytes of an incomplete frame held so far. */
  get pending(): number {
    return this.end - this.start;
  }

  /**
   * Feed bytes; returns every message now complete. The length is checked as soon as its four
   * bytes are in, before any of the payload is buffered.
   */
  feed(data: Uint8Array): Uint8Array[] {
    this.append(data);
    const out: Uint8Array[] = [];
    const view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    while (this.end - this.start >= 4) {
      const length = view.getUint32(this.start);
      if (length === 0)
        throw new PeerProtocolError("a frame of length zero", StatusCode.INVALID_ARGUMENT);
      if (length > this.maxMessageSize) {
        throw new PeerProtocolError(
          `a ${length}-byte frame is over the ${this.maxMessageSize}-byte limit`,
          StatusCode.RESOURCE_EXHAUSTED,
        );
      }
      if (this.end - this.start < 4 + length) break;
      out.push(this.buf.slice(this.start + 4, this.start + 4 + length));
      this.start += 4 + length;
    }
    if (this.start === this.end) this.start = this.end = 0;
    return out;
  }

  /** The stream ended: a partial frame means the connection was lost mid-message. */
  eof(): void {
    if (this.pending > 0)
      throw new ConnectionLost(
        `the connection ended inside a frame (${this.pending} bytes of it arrived)`,
      );
  }

  private append(data: Uint8Array): void {
    const used = this.end - this.start;
    if (this.buf.length - this.end < data.length) {
      const next = new Uint8Array(Math.max(this.buf.length * 2, used + data.length, 1024));
      next.set(this.buf.subarray(this.start, this.end));
      this.buf = next;
      this.start = 0;
      this.end = used;
    }
    this.buf.set(data, this.end);
    this.end += data.length;
  }
}

/** The frame for one message payload. */
export function frame(message: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + message.length);
  new DataView(out.buffer).setUint32(0, message.length);
  out.set(message, 4);
  return out;
}
