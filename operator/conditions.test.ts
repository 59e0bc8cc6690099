import { describe, expect, it } from "vitest";
import { buildStatus, kubeNow, sameStatus } from "./conditions.js";

const t0 = new Date("2026-01-02T03:04:05.678Z");
const t1 = new Date("2026-01-02T04:00:00.000Z");

describe("buildStatus", () => {
  it("writes a Ready condition with observedGeneration", () => {
    const s = buildStatus(undefined, { ok: true, message: "fine" }, 3, t0);
    expect(s).toEqual({
      observedGeneration: 3,
      conditions: [{ type: "Ready", status: "True", reason: "Valid", message: "fine", lastTransitionTime: "2026-01-02T03:04:05Z", observedGeneration: 3 }],
    });
  });

  it("keeps lastTransitionTime while the status does not flip, even when reason and message change", () => {
    const bad = buildStatus(undefined, { ok: false, reason: "UnknownType", message: "a" }, 1, t0);
    const stillBad = buildStatus(bad, { ok: false, reason: "MissingMetadata", message: "b" }, 2, t1);
    expect(stillBad.conditions![0]!.lastTransitionTime).toBe(kubeNow(t0));
    expect(stillBad.conditions![0]!.reason).toBe("MissingMetadata");
    const good = buildStatus(stillBad, { ok: true, message: "ok" }, 3, t1);
    expect(good.conditions![0]!.lastTransitionTime).toBe(kubeNow(t1));
  });

  it("is rebuilt, not accumulated: foreign conditions are dropped", () => {
    const prev = { observedGeneration: 1, conditions: [{ type: "Other", status: "True" as const, reason: "x", message: "y", lastTransitionTime: "2020-01-01T00:00:00Z" }] };
    expect(buildStatus(prev, { ok: true, message: "m" }, 1, t0).conditions!.map((c) => c.type)).toEqual(["Ready"]);
  });

  it("sameStatus ignores key order, and sees any difference", () => {
    const s = buildStatus(undefined, { ok: true, message: "m" }, 1, t0);
    const reordered = JSON.parse(JSON.stringify({ conditions: s.conditions, observedGeneration: 1 }));
    expect(sameStatus(reordered, s)).toBe(true);
    expect(sameStatus(undefined, s)).toBe(false);
    expect(sameStatus(s, buildStatus(s, { ok: true, message: "m" }, 2, t0))).toBe(false);
  });
});
