/**
 * Retrying calls that are safe to repeat (docs/deploy.md, "Retry policy"), the same policy as
 * the Python runtime's `graftcode_runtime.retry`.
 *
 * A call whose connection was lost while it was in flight may or may not have run, so the
 * client never sends it again by itself: it fails with UNAVAILABLE. Members marked `@idempotent`
 * in the IDL may run twice without harm; for them the client retries UNAVAILABLE failures with
 * exponential backoff and full jitter, within the call's own deadline and a retry budget shared
 * by the client (gRPC-style throttling: every failure spends a token, every success earns
 * `budgetRatio` back, and retries stop while fewer than half the tokens are left).
 *
 * Sans-IO: a `Retrier` is told the time and the error and answers with a delay or null;
 * `runWithRetry` does the waiting with the clock and sleep it is given.
 */
import { GraftError, StatusCode } from "./errors.js";

export interface RetryPolicy {
  /** Attempts in all, the first included; 1 disables retrying. */
  readonly maxAttempts: number;
  /** The cap of the first retry's random wait; each retry multiplies it by `multiplier`. */
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
  readonly multiplier: number;
  /** The retry budget: its size, and what each success earns back. */
  readonly budgetTokens: number;
  readonly budgetRatio: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 3,
  initialBackoffMs: 50,
  maxBackoffMs: 1000,
  multiplier: 2,
  budgetTokens: 10,
  budgetRatio: 0.1,
};

/** A complete policy from a partial one; throws on values that make no sense. */
export function retryPolicy(given: Partial<RetryPolicy> = {}): RetryPolicy {
  const p = { ...DEFAULT_RETRY, ...given };
  const bad = (what: string): never => {
    throw new GraftError(`retry policy: ${what}`, StatusCode.INVALID_ARGUMENT);
  };
  if (!Number.isInteger(p.maxAttempts) || p.maxAttempts < 1) bad("maxAttempts must be >= 1");
  if (!(p.initialBackoffMs >= 0) || !(p.maxBackoffMs >= 0)) bad("backoffs must be >= 0");
  if (!(p.multiplier >= 1)) bad("multiplier must be >= 1");
  if (!(p.budgetTokens > 0) || !(p.budgetRatio >= 0)) bad("the budget must be positive");
  return p;
}

/** An error worth retrying an idempotent call for: the gateway, or the way to it, is gone. */
export function retryable(error: unknown): boolean {
  return error instanceof GraftError && error.code === StatusCode.UNAVAILABLE;
}

/** The token bucket shared by the calls of one client. */
export class RetryBudget {
  tokens: number;
  constructor(readonly policy: RetryPolicy) {
    this.tokens = policy.budgetTokens;
  }
  succeeded(): void {
    this.tokens = Math.min(this.policy.budgetTokens, this.tokens + this.policy.budgetRatio);
  }
  /** Spend a token for a failure; true when a retry is still allowed. */
  failed(): boolean {
    this.tokens = Math.max(0, this.tokens - 1);
    return this.tokens > this.policy.budgetTokens / 2;
  }
}

/** One call's retries. `deadline` is on the same clock as the `now` given to `delay`. */
export class Retrier {
  attempts = 1;
  constructor(
    readonly budget: RetryBudget,
    readonly deadline: number | null,
    private readonly random: () => number = Math.random,
  ) {}

  /** How long to wait before the next attempt (ms), or null to give up with `error`. */
  delay(error: unknown, now: number): number | null {
    if (!retryable(error)) return null;
    const p = this.budget.policy;
    if (!this.budget.failed() || this.attempts >= p.maxAttempts) return null;
    const cap = Math.min(p.maxBackoffMs, p.initialBackoffMs * p.multiplier ** (this.attempts - 1));
    const wait = this.random() * cap;
    if (this.deadline !== null && now + wait >= this.deadline) return null;
    this.attempts += 1;
    return wait;
  }

  succeeded(): void {
    this.budget.succeeded();
  }
}

/** Call `attempt(msLeft)` until it resolves or `retrier` gives up (then its error is thrown). */
export async function runWithRetry<T>(
  attempt: (msLeft: number | null) => Promise<T>,
  retrier: Retrier,
  clock: () => number = () => performance.now(),
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): Promise<T> {
  for (;;) {
    const left = retrier.deadline === null ? null : Math.max(retrier.deadline - clock(), 0);
    try {
      const value = await attempt(left);
      retrier.succeeded();
      return value;
    } catch (e) {
      const wait = retrier.delay(e, clock());
      if (wait === null) throw e;
      await sleep(wait);
    }
  }
}
