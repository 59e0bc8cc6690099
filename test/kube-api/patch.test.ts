import { describe, expect, it } from "vitest";
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch, patchKindOf } from "./patch.js";
import { KubeError } from "./status.js";

describe("merge patch (RFC 7386)", () => {
  it("merges objects, replaces arrays, deletes on null", () => {
    expect(applyMergePatch({ a: 1, b: { c: 2, d: 3 }, l: [1, 2] }, { b: { c: null, e: 4 }, l: [3] })).toEqual({ a: 1, b: { d: 3, e: 4 }, l: [3] });
  });
  it("does not modify its inputs", () => {
    const target = { a: { b: 1 } };
    applyMergePatch(target, { a: { b: 2 } });
    expect(target).toEqual({ a: { b: 1 } });
  });
});

describe("JSON patch (RFC 6902)", () => {
  it("applies operations and rejects a non-array body with 400", () => {
    expect(applyJsonPatch({ a: [1] }, [{ op: "add", path: "/a/-", value: 2 }])).toEqual({ a: [1, 2] });
    expect(() => applyJsonPatch({}, { op: "add" })).toThrow(KubeError);
  });
  it("rejects a failing operation with 422", () => {
    try {
      applyJsonPatch({ a: 1 }, [{ op: "remove", path: "/nope" }]);
      expect.unreachable();
    } catch (e) {
      expect((e as KubeError).code).toBe(422);
    }
  });
});

describe("strategic merge patch", () => {
  const pod = { spec: { containers: [{ name: "a", image: "a:1", ports: [{ containerPort: 80, name: "http" }] }, { name: "b", image: "b:1" }], volumes: [{ name: "v", emptyDir: {} }] } };

  it("merges containers by name, ports by containerPort", () => {
    const out = applyStrategicMergePatch(pod, { spec: { containers: [{ name: "a", ports: [{ containerPort: 81 }] }] } }) as any;
    expect(out.spec.containers.map((c: any) => c.name)).toEqual(["a", "b"]);
    expect(out.spec.containers[0].ports).toEqual([{ containerPort: 80, name: "http" }, { containerPort: 81 }]);
    expect(out.spec.containers[0].image).toBe("a:1");
  });

  it("honours $patch: delete and $patch: replace", () => {
    const del = applyStrategicMergePatch(pod, { spec: { containers: [{ name: "b", $patch: "delete" }] } }) as any;
    expect(del.spec.containers.map((c: any) => c.name)).toEqual(["a"]);
    const rep = applyStrategicMergePatch(pod, { spec: { $patch: "replace", containers: [{ name: "z", image: "z" }] } }) as any;
    expect(rep.spec).toEqual({ containers: [{ name: "z", image: "z" }] });
  });

  it("applies $deleteFromPrimitiveList and $retainKeys, and ignores $setElementOrder", () => {
    const out = applyStrategicMergePatch({ m: { finalizers: ["x", "y"], a: 1, b: 2 } }, {
      m: { "$deleteFromPrimitiveList/finalizers": ["x"], $retainKeys: ["finalizers", "a"], "$setElementOrder/finalizers": ["y"] },
    });
    expect(out).toEqual({ m: { finalizers: ["y"], a: 1 } });
  });

  it("merges service ports by port and replaces lists without a merge key", () => {
    const svc = { spec: { ports: [{ port: 80, name: "http" }], externalIPs: ["1.1.1.1"] } };
    const out = applyStrategicMergePatch(svc, { spec: { ports: [{ port: 443, name: "https" }], externalIPs: ["2.2.2.2"] } }) as any;
    expect(out.spec.ports).toEqual([{ port: 80, name: "http" }, { port: 443, name: "https" }]);
    expect(out.spec.externalIPs).toEqual(["2.2.2.2"]);
  });
});

describe("patch content types", () => {
  it("maps content types to patch kinds and refuses others with 415", () => {
    expect(patchKindOf("application/merge-patch+json")).toBe("merge");
    expect(patchKindOf("application/json-patch+json; charset=utf-8")).toBe("json");
    expect(patchKindOf("application/strategic-merge-patch+json")).toBe("strategic");
    expect(patchKindOf("application/apply-patch+yaml")).toBe("apply");
    expect(() => patchKindOf("application/json")).toThrow(/unknown format/);
    expect(() => patchKindOf(undefined)).toThrow(KubeError);
  });
});
