import { describe, expect, it } from "vitest";
import { fieldPath, pruneUnknownFields, validateAgainstSchema, validateCrd } from "./crd-schema.js";
import { compareVersionPriority } from "./resource-types.js";

describe("field paths", () => {
  it("turns JSON pointers into Kubernetes field paths", () => {
    expect(fieldPath("/spec/metadata/0/name")).toBe("spec.metadata[0].name");
    expect(fieldPath("/metadata/annotations/a~1b")).toBe("metadata.annotations.a/b");
    expect(fieldPath("")).toBe("");
  });
});

describe("version priority", () => {
  it("orders GA > beta > alpha, higher numbers first", () => {
    expect(["v1alpha1", "v1", "v2alpha1", "v1beta1", "v1beta2", "v2"].sort(compareVersionPriority)).toEqual(["v2", "v1", "v1beta2", "v1beta1", "v2alpha1", "v1alpha1"]);
  });
});

describe("pruning", () => {
  const schema = {
    type: "object",
    properties: {
      spec: {
        type: "object",
        properties: {
          known: { type: "string" },
          free: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
          map: { type: "object", additionalProperties: { type: "object", properties: { x: { type: "integer" } } } },
          list: { type: "array", items: { type: "object", properties: { n: { type: "string" } } } },
        },
      },
    },
  };
  it("drops undeclared fields at every level but keeps root metadata and preserved subtrees", () => {
    const out = pruneUnknownFields({
      apiVersion: "x/v1", kind: "K", metadata: { name: "n", anything: 1 }, junk: 1,
      spec: { known: "k", unknown: 1, free: { deep: { er: 1 } }, map: { a: { x: 1, y: 2 } }, list: [{ n: "a", m: "b" }] },
    }, schema);
    expect(out).toEqual({
      apiVersion: "x/v1", kind: "K", metadata: { name: "n", anything: 1 },
      spec: { known: "k", free: { deep: { er: 1 } }, map: { a: { x: 1 } }, list: [{ n: "a" }] },
    });
  });
});

describe("schema validation", () => {
  it("accepts nullable fields, int-or-string and Kubernetes formats", () => {
    const schema = {
      type: "object",
      properties: {
        spec: { type: "object", properties: { n: { type: "string", nullable: true }, port: { "x-kubernetes-int-or-string": true, anyOf: [{ type: "integer" }, { type: "string" }] }, big: { type: "integer", format: "int64" } } },
      },
    };
    expect(validateAgainstSchema({ metadata: {}, spec: { n: null, port: "http", big: 5 } }, schema)).toEqual([]);
    expect(validateAgainstSchema({ metadata: {}, spec: { port: 8080 } }, schema)).toEqual([]);
    expect(validateAgainstSchema({ metadata: {}, spec: { port: true } }, schema).map((c) => c.field)).toContain("spec.port");
  });

  it("does not let the CRD schema judge metadata (the server does that)", () => {
    const schema = { type: "object", properties: { metadata: { type: "object", properties: { name: { type: "string", maxLength: 2 } } } } };
    expect(validateAgainstSchema({ metadata: { name: "a-long-name" } }, schema)).toEqual([]);
  });
});

describe("CRD checks", () => {
  it("requires group, names, scope and a storage version, and a matching name", () => {
    const causes = validateCrd({ metadata: { name: "wrong" }, spec: { group: "g.io", names: { plural: "things", kind: "Thing" }, scope: "Somewhere", versions: [{ name: "v1", storage: true, schema: { openAPIV3Schema: { type: "object" } } }] } });
    expect(causes.map((c) => c.field).sort()).toEqual(["metadata.name", "spec.scope"]);
    const broken = validateCrd({ metadata: { name: "things.g.io" }, spec: { group: "g.io", names: { plural: "things", kind: "Thing" }, scope: "Cluster", versions: [{ name: "v1", storage: true, schema: { openAPIV3Schema: { type: "object", properties: { a: { type: "no-such-type" } } } } }] } });
    expect(broken.map((c) => c.field)).toEqual(["spec.versions[0].schema.openAPIV3Schema"]);
    expect(validateCrd({ metadata: { name: "x" }, spec: {} }).map((c) => c.field)).toEqual(expect.arrayContaining(["spec.group", "spec.names.plural", "spec.names.kind", "spec.scope", "spec.versions"]));
  });
});
