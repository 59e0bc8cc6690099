import { describe, expect, it } from "vitest";
import { growingPercent, sidecarNodeOptions } from "./sidecar-heap.js";

describe("sidecar heap settings", () => {
  it("puts the start-up flags before the caller's NODE_OPTIONS, so the caller's win", () => {
    expect(sidecarNodeOptions(undefined)).toBe("--max-semi-space-size=8");
    expect(sidecarNodeOptions("--max-semi-space-size=16 --enable-source-maps")).toBe("--max-semi-space-size=8 --max-semi-space-size=16 --enable-source-maps");
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
});
