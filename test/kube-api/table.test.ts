import { describe, expect, it } from "vitest";
import { evalJsonPath, humanDuration, wantsTable } from "./table.js";

describe("humanDuration", () => {
  it.each([
    [0, "0s"], [59_000, "59s"], [119_000, "119s"], [125_000, "2m5s"], [600_000, "10m"], [3 * 3600_000, "3h"],
    [3 * 3600_000 + 5 * 60_000, "3h5m"], [30 * 3600_000, "30h"], [50 * 3600_000, "2d2h"], [10 * 86400_000, "10d"],
    [800 * 86400_000, "2y70d"],
  ])("%d ms -> %s", (ms, text) => expect(humanDuration(ms)).toBe(text));
});

describe("evalJsonPath", () => {
  const obj = { spec: { type: "state.redis", list: [{ n: 1 }, { n: 2 }] }, status: { conditions: [{ type: "Other", status: "False" }, { type: "Ready", status: "True", reason: "Ok" }] } };
  it("follows fields, indexes, wildcards and equality filters", () => {
    expect(evalJsonPath(obj, ".spec.type")).toEqual(["state.redis"]);
    expect(evalJsonPath(obj, ".spec.list[1].n")).toEqual([2]);
    expect(evalJsonPath(obj, ".spec.list[*].n")).toEqual([1, 2]);
    expect(evalJsonPath(obj, '.status.conditions[?(@.type=="Ready")].status')).toEqual(["True"]);
    expect(evalJsonPath(obj, ".status.conditions[?(@.type=='Ready')].reason")).toEqual(["Ok"]);
    expect(evalJsonPath(obj, ".spec.missing.deeper")).toEqual([]);
    expect(evalJsonPath(obj, ".spec.list[9]")).toEqual([]);
  });
});

describe("wantsTable", () => {
  it("reads kubectl's Accept header", () => {
    expect(wantsTable("application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json")).toBe(true);
    expect(wantsTable("application/json, */*")).toBe(false);
    expect(wantsTable(undefined)).toBe(false);
  });
});
