import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import v8 from "node:v8";
import { allocateYoung, growingPercent, holdYoungGenerationWhileStarting, sidecarNodeOptions } from "./sidecar-heap.js";

describe("sidecar heap settings", () => {
  it("puts the start-up flags before the caller's NODE_OPTIONS, so the caller's win", () => {
    expect(sidecarNodeOptions(undefined)).toBe("--max-semi-space-size=4 --v8-pool-size=2");
    expect(sidecarNodeOptions("--max-semi-space-size=16 --enable-source-maps")).toBe("--max-semi-space-size=4 --v8-pool-size=2 --max-semi-space-size=16 --enable-source-maps");
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

  // A child process: the check needs V8's natives syntax, and the flag holds for the whole process.
  const wasmTier = (execArgv: string[]): string => {
    const heap = new URL("./sidecar-heap.ts", import.meta.url).href;
    // (module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)), called until hot.
    const script = `
      const { compileWasmBaselineOnly } = await import(${JSON.stringify(heap)});
      compileWasmBaselineOnly(${JSON.stringify(execArgv)});
      const bytes = new Uint8Array([0,97,115,109,1,0,0,0,1,7,1,96,2,127,127,1,127,3,2,1,0,7,7,1,3,97,100,100,0,0,10,9,1,7,0,32,0,32,1,106,11]);
      const add = (await WebAssembly.instantiate(bytes)).instance.exports.add;
      let s = 0;
      for (let round = 0; round < 20 && !%IsTurboFanFunction(add); round++) {
        for (let i = 0; i < 1e6; i++) s = add(s, 1) | 0;
        await new Promise((r) => setTimeout(r, 20));
      }
      process.stdout.write(%IsTurboFanFunction(add) ? "turbofan" : %IsLiftoffFunction(add) ? "liftoff" : "other");`;
    return execFileSync(process.execPath, ["--allow-natives-syntax", "--import", "tsx", "--input-type=module", "-e", script], { encoding: "utf8" });
  };

  it("keeps WebAssembly on V8's baseline compiler (undici's parser is never recompiled by TurboFan)", () => {
    expect(wasmTier([])).toBe("liftoff");
  }, 30_000);

  it("leaves WebAssembly to a wasm flag on the node command line", () => {
    expect(wasmTier(["--no-liftoff-only"])).toBe("turbofan");
  }, 30_000);

  // Whether V8 pretenures a site depends on when its scavenges happen, too loosely for a
  // test to wait on; that a flag set at run time takes effect is shown above for WebAssembly.
  it("turns allocation-site pretenuring off unless the node command line sets it", () => {
    const set: string[] = [];
    allocateYoung([], (f) => set.push(f));
    expect(set).toEqual(["--no-allocation-site-pretenuring"]);
    allocateYoung(["--allocation-site-pretenuring"], (f) => set.push(f));
    allocateYoung(["--no-allocation_site_pretenuring"], (f) => set.push(f));
    expect(set).toHaveLength(1);
  });
});
