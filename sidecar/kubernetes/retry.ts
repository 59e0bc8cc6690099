// Exponential back-off for talking to the API server: 100 ms doubling to 5 s,
// with jitter so many sidecars restarted together do not retry in lockstep.
export function backoffMs(attempt: number, baseMs = 100, maxMs = 5_000): number {
  const ms = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 16));
  return Math.round(ms * (0.8 + Math.random() * 0.4));
}

/** Sleeps `ms`, resolving early (false) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
