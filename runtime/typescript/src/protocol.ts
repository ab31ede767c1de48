/**
 * The Hypertube protocol's messages (docs/protocol.md), sans-IO: bytes in, events out, and
 * events in, bytes out. Nothing here touches a socket or a timer.
 *
 * PROVISIONAL: written before docs/protocol.md landed; to be aligned with it byte by byte.
 */
import { ProtocolError } from "./errors.js";
import { decode, DEFAULT_DECODE_LIMITS, encode, type DecodeLimits } from "./msgpack.js";

export const PROTOCOL_VERSION = 1;

/** A reference to an instance the gateway holds for this connection. */
export class InstanceRef {
  constructor(
    readonly className: string,
    readonly id: number,
  ) {}
}

export interface Hello {
  type: "hello";
  version: number;
  module: string;
  info: Record<string, unknown>;
}
export interface Call {
  type: "call";
  callId: number;
  kind: "call" | "new" | "get" | "set";
  target: string;
  member: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
  instance: number | null;
  timeoutMs: number | null;
  metadata: Record<string, string>;
}
export interface Result {
  type: "result";
  callId: number;
  value: unknown;
}
export interface ErrorEvent {
  type: "error";
  callId: number;
  code: number;
  message: string;
  typeName: string | null;
  fields: Record<string, unknown>;
  traceback: string | null;
}
export interface Cancel {
  type: "cancel";
  callId: number;
}
export interface Release {
  type: "release";
  instance: number;
}
export interface GoAway {
  type: "goaway";
  message: string;
}
export type Event = Hello | Call | Result | ErrorEvent | Cancel | Release | GoAway;

export function encodeEvent(ev: Event): Uint8Array {
  throw new ProtocolError(`not implemented yet: ${ev.type}`);
}

export function decodeEvent(bytes: Uint8Array, limits: DecodeLimits = DEFAULT_DECODE_LIMITS): Event {
  const v = decode(bytes, limits);
  void encode;
  throw new ProtocolError(`not implemented yet: ${String(v)}`);
}
