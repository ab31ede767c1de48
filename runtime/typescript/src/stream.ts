/**
 * A streamed result as callers consume it: an async iterator (`for await`) over the items of
 * one call (docs/protocol.md 5.5). The call starts on the first `next()`; items wait in a queue
 * bounded by the credit this side granted, and credit is granted back (WINDOW) as the caller
 * takes them, so a slow consumer slows the gateway's generator down instead of filling memory.
 * Leaving the loop early (`break`, `return()`), `close()` or the call's AbortSignal cancels the
 * call: the gateway closes its generator.
 */
import { Cancelled, GraftError } from "./errors.js";
import type { StreamHooks } from "./connection.js";

/** The credit a stream starts with, as the Python client's. */
export const DEFAULT_WINDOW = 64;

/** Starts the call with these hooks; resolves with its final answer. */
export type StreamStart = (hooks: StreamHooks, signal: AbortSignal) => Promise<unknown>;

export interface RemoteStream<T> extends AsyncIterableIterator<T>, AsyncDisposable {
  /** Cancel the call (if still running) and drop the items not taken yet. Idempotent. */
  close(): Promise<void>;
}

/**
 * The first of the caller's signal and ours (stream-side cancellation), and how to stop
 * listening to the caller's once the call has ended (a long-lived signal must not collect one
 * listener per stream).
 */
function either(a: AbortSignal | undefined, b: AbortSignal): [AbortSignal, () => void] {
  if (a === undefined) return [b, () => {}];
  const both = new AbortController();
  const fromA = (): void => both.abort(a.reason);
  const fromB = (): void => both.abort(b.reason);
  if (a.aborted) both.abort(a.reason);
  else if (b.aborted) both.abort(b.reason);
  else {
    a.addEventListener("abort", fromA, { once: true });
    b.addEventListener("abort", fromB, { once: true });
  }
  return [both.signal, () => a.removeEventListener("abort", fromA)];
}

export class ItemStream<T> implements RemoteStream<T> {
  private readonly queue: unknown[] = [];
  private started = false;
  /** The call's end, once known: undefined while running, null after a normal end. */
  private end: Error | null | undefined;
  private closed = false;
  private taken = 0;
  private grant: ((n: number) => void) | undefined;
  private wake: (() => void) | undefined;
  private readonly local = new AbortController();
  /** Items converted so far: the index error messages name. */
  private index = 0;

  /** `start` adds the client stream (if any) to the hooks it is given. */
  constructor(
    private readonly start: StreamStart,
    private readonly convert: (wire: unknown, index: number) => T,
    private readonly signal: AbortSignal | undefined,
    private readonly window = DEFAULT_WINDOW,
  ) {}

  private begin(): void {
    this.started = true;
    const hooks: StreamHooks = {
      window: this.window,
      onItem: (v) => {
        this.queue.push(v);
        this.notify();
      },
      onStart: (grant) => {
        this.grant = grant;
      },
    };
    const [signal, unlisten] = either(this.signal, this.local.signal);
    this.start(hooks, signal)
      .then(
        () => this.finish(null),
        (e: unknown) => this.finish(e instanceof Error ? e : new GraftError(String(e))),
      )
      .finally(unlisten);
  }

  private finish(end: Error | null): void {
    if (this.end !== undefined) return;
    this.end = end;
    // cancelled by the caller: the items still queued are not wanted any more
    if (end instanceof Cancelled) this.queue.length = 0;
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  async next(): Promise<IteratorResult<T, undefined>> {
    if (this.closed) return { done: true, value: undefined };
    if (!this.started) this.begin();
    // aborted by the caller: no more items, even those already here (the CANCEL is on its way)
    if (this.signal?.aborted === true)
      this.finish(new Cancelled("the call was cancelled", { cause: this.signal.reason }));
    while (this.queue.length === 0 && this.end === undefined)
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    if (this.queue.length > 0) {
      const wire = this.queue.shift();
      this.taken++;
      // grant back what was taken once half the window is used: one WINDOW per half window
      if (this.end === undefined && this.taken * 2 >= this.window) {
        this.grant?.(this.taken);
        this.taken = 0;
      }
      try {
        return { done: false, value: this.convert(wire, this.index++) };
      } catch (e) {
        await this.close();
        throw e;
      }
    }
    this.closed = true;
    if (this.end !== null && this.end !== undefined) throw this.end;
    return { done: true, value: undefined };
  }

  async return(): Promise<IteratorResult<T, undefined>> {
    await this.close();
    return { done: true, value: undefined };
  }

  async throw(e?: unknown): Promise<IteratorResult<T, undefined>> {
    await this.close();
    throw e;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    if (this.started && this.end === undefined)
      this.local.abort(new Cancelled("the stream was closed by its consumer"));
    this.notify();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
