// Time source for the policy engine. Injected so tests can drive backoff and
// circuit-breaker timing without sleeping for real seconds.

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `fn` after `ms`; returns a function that cancels the timer. */
  setTimer(ms: number, fn: () => void): () => void;
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimer(ms, fn) {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  },
};

/**
 * Resolves after `ms`, or rejects with the signal's reason as soon as `signal` aborts.
 * Used between retry attempts.
 */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      cancel();
      reject(signal!.reason);
    };
    const cancel = clock.setTimer(ms, () => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    });
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * A manual clock for tests: time moves only through `advance`, and due timers
 * fire in order. `advance` is async so promise callbacks run between timers.
 */
export class ManualClock implements Clock {
  private current: number;
  private timers: { at: number; seq: number; fn: () => void }[] = [];
  private seq = 0;

  constructor(start = 1_700_000_000_000) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimer(ms: number, fn: () => void): () => void {
    const timer = { at: this.current + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }

  /** Number of timers waiting to fire. */
  get pending(): number {
    return this.timers.length;
  }

  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    for (;;) {
      await flushMicrotasks();
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.timers[0];
      if (!next || next.at > target) break;
      this.timers.shift();
      this.current = next.at;
      next.fn();
    }
    this.current = target;
    await flushMicrotasks();
  }

  /**
   * Advances 250 ms at a time until `p` settles, and returns its value or
   * error: for operations that wait on this clock (backoff, timeouts, circuit
   * breakers). Due timers fire at their exact times whatever the step; the
   * clock may end up to one step past the settling time. Throws when `p` is
   * still pending after 20,000 steps (over 83 simulated minutes): it hangs.
   */
  async drive<T>(p: Promise<T>): Promise<{ value?: T; error?: unknown }> {
    let done = false;
    const out: { value?: T; error?: unknown } = {};
    p.then(
      (v) => ((out.value = v), (done = true)),
      (e) => ((out.error = e), (done = true)),
    );
    for (let i = 0; i < 20_000 && !done; i++) await this.advance(250);
    if (!done) throw new Error("operation did not finish");
    return out;
  }
}

function flushMicrotasks(): Promise<void> {
  // setImmediate runs only once the microtask queue is empty, so every promise
  // callback chained so far has settled when this resolves.
  return new Promise((resolve) => setImmediate(resolve));
}
