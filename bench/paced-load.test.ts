import { describe, expect, it } from "vitest";
import { pacedLoad, type PacedClock } from "./paced-load.js";

/** A clock whose timers behave like Node's: at least 1 ms, `overshootMs` late, and now and then early. */
function fakeClock(o: { overshootMs: number; earlyEvery?: number }): PacedClock & { sleeps: number } {
  let now = 1000;
  let sleeps = 0;
  return {
    get sleeps() { return sleeps; },
    now: () => now,
    sleep: async (ms) => {
      sleeps++;
      const early = o.earlyEvery && sleeps % o.earlyEvery === 0 ? 0.3 : 0;
      now += Math.max(1, ms) + o.overshootMs - early;
    },
  };
}

describe("pacedLoad", () => {
  it("sends each request at its due time when the timers are exact", async () => {
    const sent: number[] = [];
    const clock = fakeClock({ overshootMs: 0 });
    // 200/s: one request every 5 ms, so a 1 ms timer floor never gets in the way.
    const r = await pacedLoad(async () => { sent.push(clock.now()); }, 200, 100, { clock });
    expect(sent).toHaveLength(20);
    expect(sent.map((t) => t - sent[0]!)).toEqual(Array.from({ length: 20 }, (_, i) => i * 5));
    expect(r.sendLagMs.every((l) => l === 0)).toBe(true);
    expect(r.errors).toBe(0);
  });

  it("never sends early, even when a timer fires early, and catches up when timers are late", async () => {
    const sent: number[] = [];
    const clock = fakeClock({ overshootMs: 0.15, earlyEvery: 3 });
    const start = clock.now();
    const r = await pacedLoad(async () => { sent.push(clock.now()); }, 1000, 200, { clock, toleranceMs: 0.05 });
    expect(sent).toHaveLength(200);
    sent.forEach((t, i) => expect(t - (start + i)).toBeGreaterThanOrEqual(-0.05));
    // Late timers (1.15 ms per tick at 1 ms intervals) make the client fall
    // behind, and overdue requests go out together; it never drifts far.
    expect(Math.max(...r.sendLagMs)).toBeLessThan(2);
    expect(r.sendLagMs.filter((l) => l > 0).length).toBeGreaterThan(0);
  });

  it("does not send beyond the in-flight cap, counting the skipped requests as errors", async () => {
    const clock = fakeClock({ overshootMs: 0 });
    const held: Array<() => void> = [];
    const run = pacedLoad(() => new Promise<void>((res) => held.push(res)), 1000, 10, { clock, maxInFlight: 3 });
    // The fake clock's timers resolve at once: by the next macrotask every request is due.
    await new Promise((res) => setTimeout(res, 0));
    expect(held).toHaveLength(3);
    for (const release of held) release();
    const r = await run;
    expect(r.latenciesMs).toHaveLength(3);
    expect(r.errors).toBe(7);
  });

  it("spreads real sends over the duration instead of bursting them", async () => {
    const sent: number[] = [];
    const start = performance.now();
    const r = await pacedLoad(async () => { sent.push(performance.now()); }, 200, 300);
    expect(sent).toHaveLength(60);
    // None early (beyond the tolerance), and the last one leaves near the end, not in a burst at the start.
    sent.forEach((t, i) => expect(t - (start + i * 5)).toBeGreaterThanOrEqual(-0.05));
    expect(sent[59]! - start).toBeGreaterThanOrEqual(295);
    expect(r.latenciesMs).toHaveLength(60);
    // At 5 ms intervals many gaps are near 5 ms; a loaded machine delays timers and the
    // overdue sends then catch up together, so only a third of the gaps are asked for.
    const gaps = sent.slice(1).map((t, i) => t - sent[i]!);
    expect(gaps.filter((g) => g > 3).length).toBeGreaterThan(20);
  });
});
