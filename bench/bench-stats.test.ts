import { describe, expect, it } from "vitest";
import { closedLoop, merge, percentile } from "./bench-stats.js";

describe("bench statistics", () => {
  it("computes nearest-rank percentiles", () => {
    const v = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(v, 50)).toBe(50);
    expect(percentile(v, 99)).toBe(99);
    expect(percentile([5], 99)).toBe(5);
    expect(percentile([], 50)).toBeNaN();
  });

  it("keeps the requested number of calls in flight", async () => {
    let now = 0;
    let peak = 0;
    const r = await closedLoop(async () => {
      now++;
      peak = Math.max(peak, now);
      await new Promise((res) => setTimeout(res, 2));
      now--;
    }, 4, 100);
    expect(peak).toBe(4);
    expect(r.latenciesMs.length).toBeGreaterThan(4);
    expect(merge([r, r]).latenciesMs.length).toBe(2 * r.latenciesMs.length);
  });

  it("gives up with the first error when a call keeps failing", async () => {
    await expect(closedLoop(async () => { throw new Error("boom"); }, 2, 1000)).rejects.toThrow(/first: boom/);
  });
});
