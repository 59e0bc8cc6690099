// For tests of timed policies (backoff, timeouts, circuit breakers): settles a
// promise by moving a ManualClock forward instead of sleeping for real.
import type { ManualClock } from "./clock.js";

/**
 * Advances `clock` 250 ms at a time until `p` settles, and returns its value or
 * error. Due timers fire at their exact times whatever the step; the clock may
 * end up to one step past the settling time. Throws when `p` is still pending
 * after 20,000 steps (over 83 simulated minutes): the operation hangs.
 */
export async function drive<T>(clock: ManualClock, p: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  let done = false;
  const out: { value?: T; error?: unknown } = {};
  p.then(
    (v) => ((out.value = v), (done = true)),
    (e) => ((out.error = e), (done = true)),
  );
  for (let i = 0; i < 20_000 && !done; i++) await clock.advance(250);
  if (!done) throw new Error("operation did not finish");
  return out;
}
