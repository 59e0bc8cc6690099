// Open-loop load at a fixed rate: requests start on schedule whether or not
// earlier ones have finished (up to a cap on requests in flight), so latency
// is measured as a client sending N per second sees it.
import type { LoadResult } from "./bench-stats.js";

export async function pacedLoad(call: () => Promise<unknown>, perSecond: number, durationMs: number, maxInFlight = 256): Promise<LoadResult> {
  const latenciesMs: number[] = [];
  let errors = 0;
  let inFlight = 0;
  const pending: Promise<void>[] = [];
  const start = performance.now();
  const total = Math.floor((perSecond * durationMs) / 1000);
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / perSecond;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    if (inFlight >= maxInFlight) {
      errors++;
      continue;
    }
    inFlight++;
    const t = performance.now();
    pending.push(
      call().then(
        () => { latenciesMs.push(performance.now() - t); },
        () => { errors++; },
      ).finally(() => { inFlight--; }),
    );
  }
  await Promise.all(pending);
  const elapsedMs = performance.now() - start;
  return { latenciesMs, elapsedMs, throughput: (latenciesMs.length / elapsedMs) * 1000, errors };
}
