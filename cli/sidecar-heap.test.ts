import { describe, expect, it } from "vitest";
import v8 from "node:v8";
import { growingPercent, holdYoungGenerationWhileStarting, sidecarNodeOptions } from "./sidecar-heap.js";

describe("sidecar heap settings", () => {
  it("puts the start-up flags before the caller's NODE_OPTIONS, so the caller's win", () => {
    expect(sidecarNodeOptions(undefined)).toBe("--max-semi-space-size=8 --v8-pool-size=2");
    expect(sidecarNodeOptions("--max-semi-space-size=16 --enable-source-maps")).toBe("--max-semi-space-size=8 --v8-pool-size=2 --max-semi-space-size=16 --enable-source-maps");
  });

  it("grows the old generation by 60% unless told otherwise", () => {
    expect(growingPercent([], {})).toBe(60);
    expect(growingPercent([], { DAPR_TS_HEAP_GROWING_PERCENT: "" })).toBe(60);
    expect(growingPercent([], { DAPR_TS_HEAP_GROWING_PERCENT: "0" })).toBe(0);
    expect(growingPercent([], { DAPR_TS_HEAP_GROWING_PERCENT: "100" })).toBe(100);
    // Not a whole number: V8 keeps its own heuristics.
    expect(growingPercent([], { DAPR_TS_HEAP_GROWING_PERCENT: "lots" })).toBeUndefined();
    // A flag on the node command line wins over both.
    expect(growingPercent(["--heap-growing-percent=20"], { DAPR_TS_HEAP_GROWING_PERCENT: "100" })).toBeUndefined();
    expect(growingPercent(["--heap_growing_percent=20"], {})).toBeUndefined();
  });

  it("holds the young generation at its initial size until released, then lets it grow", () => {
    const newSpace = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === "new_space")!.space_size;
    // Survivors fill the young generation: V8 grows it after such scavenges unless held.
    const allocateSurvivors = (keep: unknown[]) => {
      for (let i = 0; i < 400_000; i++) keep.push({ i, s: `v${i}` });
    };
    const release = holdYoungGenerationWhileStarting([]);
    const before = newSpace();
    try {
      allocateSurvivors([]);
      const held: unknown[] = [];
      allocateSurvivors(held);
      expect(newSpace()).toBe(before);
    } finally {
      release();
    }
    release(); // a second call is harmless
    const kept: unknown[] = [];
    allocateSurvivors(kept);
    // (Unless this worker's young generation had already grown to its maximum, 16 MiB by default.)
    if (before < 32 * 2 ** 20) expect(newSpace()).toBeGreaterThan(before);
  });

  it("leaves the growth factor to a node command-line flag", () => {
    const release = holdYoungGenerationWhileStarting(["--semi-space-growth-factor=4"]);
    release();
  });
});
