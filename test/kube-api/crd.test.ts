import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { widgetCrd } from "./fixtures.js";
import { startKubeApi, type KubeApi } from "./server.js";
import { rawClient, type RawClient } from "./test-client.js";

let api: KubeApi;
let c: RawClient;

beforeAll(async () => {
  api = await startKubeApi({ controllers: false });
  c = rawClient(api);
  const r = await c.call("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", widgetCrd);
  if (r.status !== 201) throw new Error(`CRD not created: ${JSON.stringify(r.body)}`);
});
afterAll(async () => {
  await c.close();
  await api.stop();
});

const wp = "/apis/example.com/v1/namespaces/default/widgets";
const widget = (name: string, spec: Record<string, unknown> = { size: 1, color: "red" }) => ({ apiVersion: "example.com/v1", kind: "Widget", metadata: { name }, spec });

describe("CRD registration", () => {
  it("marks the CRD Established and serves its group in discovery, preferred version first", async () => {
    const crd = (await c.call("GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com")).body;
    expect(crd.status.conditions.find((x: any) => x.type === "Established").status).toBe("True");
    expect(crd.status.acceptedNames).toMatchObject({ kind: "Widget", listKind: "WidgetList", plural: "widgets" });
    const g = (await c.call("GET", "/apis/example.com")).body;
    expect(g.preferredVersion.version).toBe("v1");
    expect(g.versions.map((v: any) => v.version)).toEqual(["v1", "v1alpha1"]);
    const rl = (await c.call("GET", "/apis/example.com/v1")).body;
    expect(rl.resources).toEqual(expect.arrayContaining([expect.objectContaining({ name: "widgets", kind: "Widget", namespaced: true, shortNames: ["wdg"] }), expect.objectContaining({ name: "widgets/status" })]));
  });

  it("refuses a CRD without a storage version, with the field path", async () => {
    const bad = structuredClone(widgetCrd) as any;
    bad.metadata.name = "gadgets.example.com";
    bad.spec.names = { plural: "gadgets", kind: "Gadget" };
    for (const v of bad.spec.versions) v.storage = false;
    const r = await c.call("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", bad);
    expect(r.status).toBe(422);
    expect(r.body.details.causes[0].field).toBe("spec.versions");
  });

  it("serves every served version of the same objects", async () => {
    await c.call("POST", wp, widget("multi"));
    const old = await c.call("GET", "/apis/example.com/v1alpha1/namespaces/default/widgets/multi");
    expect(old.status).toBe(200);
    expect(old.body.apiVersion).toBe("example.com/v1alpha1");
  });

  it("stops serving a CRD's resources when the CRD is deleted", async () => {
    const other = structuredClone(widgetCrd) as any;
    other.metadata.name = "sprockets.example.com";
    other.spec.names = { plural: "sprockets", kind: "Sprocket" };
    expect((await c.call("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", other)).status).toBe(201);
    expect((await c.call("POST", "/apis/example.com/v1/namespaces/default/sprockets", { apiVersion: "example.com/v1", kind: "Sprocket", metadata: { name: "s" }, spec: { size: 1, color: "red" } })).status).toBe(201);
    await c.call("DELETE", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/sprockets.example.com");
    expect((await c.call("GET", "/apis/example.com/v1/namespaces/default/sprockets")).status).toBe(404);
  });
});

describe("schema validation", () => {
  it("answers schema violations with 422 Invalid and one cause per field path", async () => {
    const r = await c.call("POST", wp, widget("bad", { size: "big", color: "green", parts: [{ count: 2 }] }));
    expect(r.status).toBe(422);
    expect(r.body).toMatchObject({ kind: "Status", reason: "Invalid", code: 422, details: { name: "bad", group: "example.com", kind: "Widget" } });
    const byField = Object.fromEntries(r.body.details.causes.map((x: any) => [x.field, x]));
    expect(byField["spec.size"]).toMatchObject({ reason: "FieldValueTypeInvalid", message: 'Invalid value: "string": spec.size in body must be of type integer: "string"' });
    expect(byField["spec.color"]).toMatchObject({ reason: "FieldValueNotSupported", message: 'Unsupported value: "green": supported values: "red", "blue"' });
    expect(byField["spec.parts[0].name"]).toMatchObject({ reason: "FieldValueRequired", message: "Required value" });
    expect(r.body.message).toMatch(/^Widget\.example\.com "bad" is invalid: \[/);
  });

  it("reports a missing required field at its path", async () => {
    const r = await c.call("POST", wp, widget("missing", { size: 2 }));
    expect(r.status).toBe(422);
    expect(r.body.message).toBe('Widget.example.com "missing" is invalid: spec.color: Required value');
  });

  it("prunes unknown fields with a warning (the default), keeps preserved ones, and applies defaults", async () => {
    const r = await c.call("POST", wp, widget("pruned", { size: 2, color: "blue", bogus: 1, parts: [{ name: "p", colour: "x" }], extra: { anything: { goes: true } } }));
    expect(r.status).toBe(201);
    expect(r.body.spec).toEqual({ size: 2, color: "blue", mode: "normal", parts: [{ name: "p" }], extra: { anything: { goes: true } } });
    expect(r.headers.warning).toEqual(['299 - "unknown field \\"spec.bogus\\""', '299 - "unknown field \\"spec.parts[0].colour\\""']);
  });

  it("refuses unknown fields with fieldValidation=Strict (kubectl's default) and is silent with Ignore", async () => {
    const strict = await c.call("POST", `${wp}?fieldValidation=Strict`, widget("strict", { size: 2, color: "blue", bogus: 1 }));
    expect(strict.status).toBe(400);
    expect(strict.body.message).toBe('Widget in version "v1" cannot be handled as a Widget: strict decoding error: unknown field "spec.bogus"');
    expect((await c.call("GET", `${wp}/strict`)).status).toBe(404);
    const ignored = await c.call("POST", `${wp}?fieldValidation=Ignore`, widget("ignored", { size: 2, color: "blue", bogus: 1 }));
    expect(ignored.status).toBe(201);
    expect(ignored.headers.warning).toBeUndefined();
    const patched = await c.call("PATCH", `${wp}/ignored?fieldValidation=Strict`, { spec: { nope: 1 } }, "application/merge-patch+json");
    expect(patched.status).toBe(400);
  });

  it("requires a resourceVersion on update of a custom resource", async () => {
    const created = (await c.call("POST", wp, widget("needs-rv"))).body;
    const { resourceVersion: _, ...meta } = created.metadata;
    const r = await c.call("PUT", `${wp}/needs-rv`, { ...created, metadata: meta });
    expect(r.status).toBe(422);
    expect(r.body.details.causes[0].field).toBe("metadata.resourceVersion");
  });
});

describe("CEL validation rules", () => {
  it("refuses objects that break an x-kubernetes-validations rule, and enforces transition rules on update", async () => {
    const crd = structuredClone(widgetCrd) as any;
    crd.metadata.name = "gizmos.example.com";
    crd.spec.names = { plural: "gizmos", kind: "Gizmo" };
    for (const v of crd.spec.versions) {
      v.schema.openAPIV3Schema.properties.spec["x-kubernetes-validations"] = [
        { rule: "self.size <= 10", message: "size must be at most 10" },
        { rule: "self.color == oldSelf.color", message: "color is immutable" },
      ];
    }
    expect((await c.call("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd)).status).toBe(201);
    const gp = "/apis/example.com/v1/namespaces/default/gizmos";
    const gizmo = (name: string, size: number, color = "red") => ({ apiVersion: "example.com/v1", kind: "Gizmo", metadata: { name }, spec: { size, color } });
    const big = await c.call("POST", gp, gizmo("big", 11));
    expect(big.status).toBe(422);
    expect(big.body.message).toBe('Gizmo.example.com "big" is invalid: spec: Invalid value: "object": size must be at most 10');
    expect((await c.call("POST", gp, gizmo("ok", 3))).status).toBe(201);
    const recolor = await c.call("PATCH", `${gp}/ok`, { spec: { color: "blue" } }, "application/merge-patch+json");
    expect(recolor.status).toBe(422);
    expect(recolor.body.details.causes[0].message).toContain("color is immutable");
    expect((await c.call("PATCH", `${gp}/ok`, { spec: { size: 4 } }, "application/merge-patch+json")).status).toBe(200);

    const broken = structuredClone(crd);
    broken.metadata.name = "doodads.example.com";
    broken.spec.names = { plural: "doodads", kind: "Doodad" };
    broken.spec.versions[0].schema.openAPIV3Schema.properties.spec["x-kubernetes-validations"] = [{ rule: "self.size <" }];
    const r = await c.call("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", broken);
    expect(r.status).toBe(422);
    expect(r.body.message).toContain("compilation failed");
  });
});

describe("status subresource", () => {
  it("drops status on create and on main-endpoint updates; /status changes only status", async () => {
    const created = (await c.call("POST", wp, { ...widget("st"), status: { observedGeneration: 9 } })).body;
    expect(created.status).toBeUndefined();
    const st = await c.call("PUT", `${wp}/st/status`, { ...created, spec: { size: 50, color: "blue" }, status: { observedGeneration: 1, conditions: [{ type: "Ready", status: "True" }] } });
    expect(st.status).toBe(200);
    expect(st.body.spec).toEqual(created.spec);
    expect(st.body.status.observedGeneration).toBe(1);
    expect(st.body.metadata.generation).toBe(1);
    const main = await c.call("PATCH", `${wp}/st`, { spec: { size: 3 }, status: { observedGeneration: 77 } }, "application/merge-patch+json");
    expect(main.body.spec.size).toBe(3);
    expect(main.body.status.observedGeneration).toBe(1);
    expect(main.body.metadata.generation).toBe(2);
    const statusPatch = await c.call("PATCH", `${wp}/st/status`, { status: { observedGeneration: 2 } }, "application/merge-patch+json");
    expect(statusPatch.body.status.observedGeneration).toBe(2);
    expect(statusPatch.body.metadata.generation).toBe(2);
    const badStatus = await c.call("PATCH", `${wp}/st/status`, { status: { observedGeneration: "x" } }, "application/merge-patch+json");
    expect(badStatus.status).toBe(422);
    expect(badStatus.body.details.causes[0].field).toBe("status.observedGeneration");
  });

  it("does not bump generation for metadata-only changes", async () => {
    await c.call("POST", wp, widget("gen"));
    const r = await c.call("PATCH", `${wp}/gen`, { metadata: { annotations: { a: "b" } } }, "application/merge-patch+json");
    expect(r.body.metadata.generation).toBe(1);
  });

  it("refuses strategic merge patches on custom resources with 415", async () => {
    await c.call("POST", wp, widget("smp"));
    expect((await c.call("PATCH", `${wp}/smp`, { spec: { size: 2 } }, "application/strategic-merge-patch+json")).status).toBe(415);
  });
});

describe("tables", () => {
  it("renders printer columns for custom resources and Name/Age for others", async () => {
    await c.call("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "tbl" } });
    const created = (await c.call("POST", "/apis/example.com/v1/namespaces/tbl/widgets", widget("t1", { size: 4, color: "red" }))).body;
    await c.call("PATCH", "/apis/example.com/v1/namespaces/tbl/widgets/t1/status", { status: { conditions: [{ type: "Ready", status: "True" }] } }, "application/merge-patch+json");
    const accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";
    const t = (await c.call("GET", "/apis/example.com/v1/namespaces/tbl/widgets", undefined, undefined, { accept })).body;
    expect(t.kind).toBe("Table");
    expect(t.columnDefinitions.map((d: any) => d.name)).toEqual(["Name", "Size", "Ready", "Age"]);
    expect(t.rows[0].cells.slice(0, 3)).toEqual(["t1", 4, "True"]);
    expect(t.rows[0].cells[3]).toMatch(/^\d+s$/);
    expect(t.rows[0].object.metadata.uid).toBe(created.metadata.uid);
    const cm = (await c.call("GET", "/api/v1/namespaces/tbl/configmaps", undefined, undefined, { accept })).body;
    expect(cm.columnDefinitions.map((d: any) => d.name)).toEqual(["Name", "Age"]);
  });
});
