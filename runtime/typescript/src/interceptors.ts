/**
 * Client interceptors: plugins that see every outgoing call of a client (add auth metadata,
 * tighten the deadline, log, trace, map errors), the same concept as Python's
 * `ClientInterceptor`. Given in code: `{ interceptors: [auth, log] }` in the client options.
 *
 * Order, as in Python: `beforeCall` of each in the order given, then the call, then
 * `afterCall` (or `onError`) of each in the same order. A hook may be async (fetch a token,
 * say); one that throws fails the call with what it threw.
 */
import type { CallSpec } from "./connection.js";

/** One outgoing call as interceptors see it: wire-level values; `metadata` and `timeoutMs` may
 * be changed in `beforeCall`. */
export interface CallContext {
  readonly module: string;
  readonly kind: CallSpec["kind"];
  readonly target: string;
  readonly member: string;
  readonly args: readonly unknown[];
  readonly kwargs: Readonly<Record<string, unknown>>;
  metadata: Record<string, string>;
  /** Deadline in milliseconds (0: none). */
  timeoutMs: number;
  /** For interceptors to keep what they need between their hooks (a start time, a span). */
  readonly state: Map<unknown, unknown>;
}

export interface ClientInterceptor {
  /** Runs before the call is sent (and before connecting, on a client's first call). */
  beforeCall?(ctx: CallContext): void | Promise<void>;
  /** Runs on success with the wire result; returns the (possibly replaced) result. */
  afterCall?(ctx: CallContext, result: unknown): unknown;
  /** Runs when the call failed, before the error reaches the caller. */
  onError?(ctx: CallContext, error: unknown): void | Promise<void>;
}

/** Run `send` inside `interceptors` (what {@link Client.invoke} does when some are configured). */
export async function intercept(
  interceptors: readonly ClientInterceptor[],
  ctx: CallContext,
  send: (ctx: CallContext) => Promise<unknown>,
): Promise<unknown> {
  let result: unknown;
  try {
    for (const i of interceptors) await i.beforeCall?.(ctx);
    result = await send(ctx);
  } catch (error) {
    for (const i of interceptors) await i.onError?.(ctx, error);
    throw error;
  }
  for (const i of interceptors) {
    if (i.afterCall !== undefined) result = await i.afterCall(ctx, result);
  }
  return result;
}
