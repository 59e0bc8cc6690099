import { describe, expect, it } from "vitest";
import { celRuleProblems, evaluateCelRules } from "./cel-rules.js";

const schema = {
  type: "object",
  properties: {
    spec: {
      type: "object",
      "x-kubernetes-validations": [
        { rule: "self.min <= self.max", message: "min must not exceed max" },
        { rule: "self.name == oldSelf.name", message: "name is immutable", fieldPath: ".name" },
      ],
      properties: {
        min: { type: "integer" },
        max: { type: "integer" },
        name: { type: "string" },
        tags: { type: "array", items: { type: "string", "x-kubernetes-validations": [{ rule: "self.size() <= 5" }] } },
      },
    },
  },
};

describe("x-kubernetes-validations", () => {
  it("passes valid objects, with integers as CEL ints", () => {
    expect(evaluateCelRules({ metadata: {}, spec: { min: 1, max: 3, name: "a", tags: ["x"] } }, schema)).toEqual([]);
  });

  it("reports failed rules at their field, with the rule's message or the rule itself", () => {
    const causes = evaluateCelRules({ metadata: {}, spec: { min: 5, max: 3, name: "a", tags: ["ok", "far-too-long"] } }, schema);
    expect(causes).toEqual([
      { reason: "FieldValueInvalid", message: 'Invalid value: "object": min must not exceed max', field: "spec" },
      { reason: "FieldValueInvalid", message: 'Invalid value: "string": failed rule: self.size() <= 5', field: "spec.tags[1]" },
    ]);
  });

  it("applies transition rules (oldSelf) only on update", () => {
    const before = { metadata: {}, spec: { min: 1, max: 2, name: "a" } };
    const after = { metadata: {}, spec: { min: 1, max: 2, name: "b" } };
    expect(evaluateCelRules(after, schema)).toEqual([]);
    expect(evaluateCelRules(after, schema, before)).toEqual([{ reason: "FieldValueInvalid", message: 'Invalid value: "object": name is immutable', field: "spec.name" }]);
  });

  it("turns evaluation errors into causes instead of crashing", () => {
    const causes = evaluateCelRules({ spec: { max: 3 } }, schema);
    expect(causes[0]!.field).toBe("spec");
    expect(causes[0]!.message).toContain("evaluation failed");
  });

  it("finds rules that do not compile", () => {
    const bad = { type: "object", properties: { spec: { type: "object", "x-kubernetes-validations": [{ rule: "self.a >" }] } } };
    expect(celRuleProblems(bad, "spec.versions[0].schema.openAPIV3Schema").map((c) => c.field)).toEqual(["spec.versions[0].schema.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule"]);
  });
});
