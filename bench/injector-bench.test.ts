import { describe, it, expect } from "vitest";
import { formatInjectorBench, runInjectorBench } from "./injector-bench.js";

// Only the shape of the result: latency itself is printed by `make bench`,
// never asserted (the machine is shared and noisy).
describe("runInjectorBench", () => {
  it("sends the reviews and reports ordered percentiles", async () => {
    const r = await runInjectorBench(60);
    expect(r.count).toBe(60);
    expect(r.p50Ms).toBeGreaterThan(0);
    expect(r.p50Ms).toBeLessThanOrEqual(r.p99Ms);
    expect(r.p99Ms).toBeLessThanOrEqual(r.maxMs);
    expect(formatInjectorBench(r)).toMatch(/^injector: 60 AdmissionReviews over HTTPS: p50 [\d.]+ ms, p99 [\d.]+ ms/);
  });
});
