/**
 * Errors a call can end with. Every one derives from {@link GraftError} and carries a
 * {@link StatusCode}; errors the module declares are generated subclasses of {@link RemoteError}.
 */

/** Status codes: gRPC's names and numbers, so they mean what users already know. */
export const StatusCode = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;
export type StatusCode = (typeof StatusCode)[keyof typeof StatusCode];

const CODE_NAMES = new Map<number, string>(Object.entries(StatusCode).map(([k, v]) => [v, k]));

/** The name of a status code (`"NOT_FOUND"`), or `"CODE_<n>"` for one this runtime does not know. */
export function statusName(code: number): string {
  return CODE_NAMES.get(code) ?? `CODE_${code}`;
}

/** Base of every error the runtime raises. */
export class GraftError extends Error {
  override name = "GraftError";
  constructor(
    message: string,
    /** What kind of failure this is. */
    readonly code: StatusCode = StatusCode.UNKNOWN,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The deadline passed before the reply came; the runtime asked the gateway to stop the call. */
export class DeadlineExceeded extends GraftError {
  override name = "DeadlineExceeded";
  constructor(message = "deadline exceeded") {
    super(message, StatusCode.DEADLINE_EXCEEDED);
  }
}

/** The caller cancelled the call (its AbortSignal fired), or the gateway cancelled it. */
export class Cancelled extends GraftError {
  override name = "Cancelled";
  constructor(message = "call cancelled", options?: { cause?: unknown }) {
    super(message, StatusCode.CANCELLED, options);
  }
}

/** The connection failed or closed while the call was in flight, or could not be opened. */
export class ConnectionLost extends GraftError {
  override name = "ConnectionLost";
  /**
   * True only when the call never ran: it was not sent, or the gateway's GOAWAY said it did not
   * process it. The client then sends it once more on a new connection by itself; any other
   * ConnectionLost may have run and is never resent (unless the member is idempotent).
   */
  readonly retrySafe: boolean;
  constructor(message = "connection lost", options?: { cause?: unknown; retrySafe?: boolean }) {
    super(message, StatusCode.UNAVAILABLE, options);
    this.retrySafe = options?.retrySafe ?? false;
  }
}

/** The peer broke the protocol (malformed message, over a limit, unknown version). */
export class ProtocolError extends GraftError {
  override name = "ProtocolError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, StatusCode.INTERNAL, options);
  }
}

/** What the gateway reported for a failed call. */
export interface RemoteErrorInfo {
  code: StatusCode;
  message: string;
  /** The error's declared type name (e.g. `"OutOfStock"`), or null for an undeclared failure. */
  typeName: string | null;
  /** The error's fields as wire values, keyed by their IDL names. */
  fields: Record<string, unknown>;
  /** The gateway's traceback text when it is configured to send one, else null. */
  remoteTraceback: string | null;
}

/** A call that reached the gateway and failed there. */
export class RemoteError extends GraftError {
  override name = "RemoteError";
  readonly typeName: string | null;
  readonly fields: Record<string, unknown>;
  readonly remoteTraceback: string | null;
  constructor(info: RemoteErrorInfo) {
    super(info.message, info.code);
    this.typeName = info.typeName;
    this.fields = info.fields;
    this.remoteTraceback = info.remoteTraceback;
  }
}
