// Open-loop load at a fixed rate, as Dapr's performance tests drive the
// sidecar (fortio at a fixed QPS): request i is due at start + i / rate and
// starts then whether or not earlier ones have finished (up to a cap on
// requests in flight), so latency is what a client sending N per second sees,
// not the queueing of a saturated closed loop.
//
// Pacing: one timer per request, sent at (or just after) its due time. Node's
// timers have 1 ms resolution, so a request may leave up to about 1 ms late
// (never more than `toleranceMs` early); it does not spin, which matters
// because the load client shares the CPUs with the sidecar and the backend.
// When the client falls behind (a GC pause, a busy CPU) the overdue requests
// are sent at once to catch up, as fortio does by default; `sendLagMs` says by
// how much each request left after its due time, so a reader can tell.
import type { LoadResult } from "./bench-stats.js";

export interface PacedClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export interface PacedOptions {
  /** Requests beyond this many in flight are not sent and count as errors (default 256). */
  maxInFlight?: number;
  /** Send when due within this many ms rather than sleep again (default 0.05). */
  toleranceMs?: number;
  /** Time source; tests pass a fake one. */
  clock?: PacedClock;
}

export interface PacedResult extends LoadResult {
  /** Per request sent: ms between its due time and when it left (negative: early, within the tolerance). */
  sendLagMs: number[];
}

const realClock: PacedClock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};

export async function pacedLoad(
  call: () => Promise<unknown>,
  perSecond: number,
  durationMs: number,
  options: number | PacedOptions = {},
): Promise<PacedResult> {
  const o = typeof options === "number" ? { maxInFlight: options } : options;
  const maxInFlight = o.maxInFlight ?? 256;
  const tolerance = o.toleranceMs ?? 0.05;
  const clock = o.clock ?? realClock;
  const latenciesMs: number[] = [];
  const sendLagMs: number[] = [];
  let errors = 0;
  let inFlight = 0;
  const pending: Promise<void>[] = [];
  const start = clock.now();
  const total = Math.floor((perSecond * durationMs) / 1000);
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / perSecond;
    // A timer can fire a little before its delay (Node measures it from the
    // event loop's cached clock), hence the loop rather than a single sleep.
    for (let wait = due - clock.now(); wait > tolerance; wait = due - clock.now()) await clock.sleep(wait);
    if (inFlight >= maxInFlight) {
      errors++;
      continue;
    }
    inFlight++;
    const t = clock.now();
    sendLagMs.push(t - due);
    pending.push(
      call().then(
        () => { latenciesMs.push(clock.now() - t); },
        () => { errors++; },
      ).finally(() => { inFlight--; }),
    );
  }
  await Promise.all(pending);
  const elapsedMs = clock.now() - start;
  return { latenciesMs, elapsedMs, throughput: (latenciesMs.length / elapsedMs) * 1000, errors, sendLagMs };
}
