import { describe, expect, it } from "vitest";
import { formatOperatorBench, runOperatorBench } from "./operator-bench.js";

// Only the shape of the result, on a small run: the time for 1,000 Components
// is printed by the bench itself, never asserted (the machine is shared and noisy).
describe("runOperatorBench", () => {
  it("creates the Components, waits for all Ready, and reports time and memory", async () => {
    const r = await runOperatorBench(40);
    expect(r.count).toBe(40);
    expect(r.allReadyMs).toBeGreaterThanOrEqual(r.createMs);
    expect(r.operatorRssBytes).toBeGreaterThan(10 * 1024 * 1024);
    expect(formatOperatorBench(r)).toMatch(/^operator: 40 Components created at once, all Ready in [\d.]+ s .*operator RSS [\d.]+ MiB/);
  }, 90_000);
});
