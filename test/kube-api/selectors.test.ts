import { describe, expect, it } from "vitest";
import { matchesLabelSelector, parseFieldSelector, parseLabelSelector } from "./selectors.js";

describe("label selector strings", () => {
  const labels = { app: "web", tier: "front", env: "prod" };
  it.each([
    ["", true],
    ["app=web", true],
    ["app==web", true],
    ["app=db", false],
    ["app!=db", true],
    ["app=web,tier=front", true],
    ["app=web,tier=back", false],
    ["env in (prod, staging)", true],
    ["env notin (prod)", false],
    ["missing notin (x)", true],
    ["app", true],
    ["!app", false],
    ["!missing", true],
  ])("%j matches: %s", (sel, expected) => {
    expect(parseLabelSelector(sel)(labels)).toBe(expected);
  });

  it("rejects nonsense with a 400 naming the bad part", () => {
    expect(() => parseLabelSelector("app=web,(")).toThrow(/unable to parse requirement/);
  });
});

describe("field selectors", () => {
  const obj = { metadata: { name: "a", namespace: "ns" }, status: { phase: "Running" } };
  it("matches metadata and other dotted fields", () => {
    expect(parseFieldSelector("metadata.name=a")(obj)).toBe(true);
    expect(parseFieldSelector("metadata.namespace=other")(obj)).toBe(false);
    expect(parseFieldSelector("status.phase!=Pending,metadata.name=a")(obj)).toBe(true);
  });
  it("rejects a selector without an operator", () => {
    expect(() => parseFieldSelector("metadata.name")).toThrow(/invalid selector/);
  });
});

describe("structured label selectors", () => {
  it("combines matchLabels and matchExpressions; empty matches all", () => {
    const labels = { a: "1", b: "2" };
    expect(matchesLabelSelector(undefined, labels)).toBe(true);
    expect(matchesLabelSelector({}, labels)).toBe(true);
    expect(matchesLabelSelector({ matchLabels: { a: "1" }, matchExpressions: [{ key: "b", operator: "In", values: ["2", "3"] }] }, labels)).toBe(true);
    expect(matchesLabelSelector({ matchExpressions: [{ key: "b", operator: "NotIn", values: ["2"] }] }, labels)).toBe(false);
    expect(matchesLabelSelector({ matchExpressions: [{ key: "c", operator: "Exists" }] }, labels)).toBe(false);
    expect(matchesLabelSelector({ matchExpressions: [{ key: "c", operator: "DoesNotExist" }] }, labels)).toBe(true);
    expect(matchesLabelSelector({ matchExpressions: [{ key: "a", operator: "Bogus" }] }, labels)).toBe(false);
  });
});
