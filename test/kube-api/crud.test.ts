import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startKubeApi, type KubeApi } from "./server.js";
import { rawClient, type RawClient } from "./test-client.js";

let api: KubeApi;
let c: RawClient;
beforeAll(async () => {
  api = await startKubeApi({ controllers: false });
  c = rawClient(api);
});
afterAll(async () => {
  await c.close();
  await api.stop();
});

const cmPath = "/api/v1/namespaces/default/configmaps";
const configMap = (name: string, data: Record<string, string> = { a: "1" }, labels: Record<string, string> = {}) =>
  ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, labels }, data });

describe("create and get", () => {
  it("stamps uid, creationTimestamp, resourceVersion and generation, and returns 201", async () => {
    const r = await c.call("POST", cmPath, configMap("cm-create"));
    expect(r.status).toBe(201);
    expect(r.body.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.body.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Number(r.body.metadata.resourceVersion)).toBeGreaterThan(0);
    expect(r.body.metadata.namespace).toBe("default");
    const got = await c.call("GET", `${cmPath}/cm-create`);
    expect(got.body).toEqual(r.body);
  });

  it("answers a duplicate with 409 AlreadyExists as a Status", async () => {
    await c.call("POST", cmPath, configMap("cm-dup"));
    const r = await c.call("POST", cmPath, configMap("cm-dup"));
    expect(r.status).toBe(409);
    expect(r.body).toMatchObject({ kind: "Status", apiVersion: "v1", status: "Failure", reason: "AlreadyExists", code: 409, message: 'configmaps "cm-dup" already exists', details: { name: "cm-dup", kind: "configmaps" } });
  });

  it("answers a missing object with 404 NotFound naming the group", async () => {
    const r = await c.call("GET", "/apis/apps/v1/namespaces/default/deployments/nope");
    expect(r.status).toBe(404);
    expect(r.body).toMatchObject({ kind: "Status", reason: "NotFound", code: 404, message: 'deployments.apps "nope" not found', details: { name: "nope", group: "apps", kind: "deployments" } });
  });

  it("generates names from generateName", async () => {
    const r = await c.call("POST", cmPath, { apiVersion: "v1", kind: "ConfigMap", metadata: { generateName: "gen-" } });
    expect(r.status).toBe(201);
    expect(r.body.metadata.name).toMatch(/^gen-[a-z0-9]{5}$/);
  });

  it("refuses objects in a namespace that does not exist", async () => {
    const r = await c.call("POST", "/api/v1/namespaces/missing-ns/configmaps", configMap("x"));
    expect(r.status).toBe(404);
    expect(r.body.message).toBe('namespaces "missing-ns" not found');
  });

  it("rejects a body of another kind or a namespace that contradicts the URL with 400", async () => {
    const wrongKind = await c.call("POST", cmPath, { apiVersion: "v1", kind: "Secret", metadata: { name: "s" } });
    expect(wrongKind.status).toBe(400);
    const wrongNs = await c.call("POST", cmPath, { ...configMap("y"), metadata: { name: "y", namespace: "kube-system" } });
    expect(wrongNs.status).toBe(400);
    expect(wrongNs.body.message).toContain("does not match the namespace");
    const notJson = await c.call("POST", cmPath, "{not json");
    expect(notJson.status).toBe(400);
  });

  it("rejects names that are not DNS subdomains with 422 and the field path", async () => {
    const r = await c.call("POST", cmPath, configMap("Bad_Name"));
    expect(r.status).toBe(422);
    expect(r.body.reason).toBe("Invalid");
    expect(r.body.details.causes[0]).toMatchObject({ field: "metadata.name", reason: "FieldValueInvalid" });
  });

  it("validates built-ins: a Deployment whose selector misses its template labels is 422", async () => {
    const r = await c.call("POST", "/apis/apps/v1/namespaces/default/deployments", {
      apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "bad-sel" },
      spec: { selector: { matchLabels: { app: "a" } }, template: { metadata: { labels: { app: "b" } }, spec: { containers: [{ name: "c", image: "i" }] } } },
    });
    expect(r.status).toBe(422);
    expect(r.body.message).toContain("spec.template.metadata.labels");
    const noImage = await c.call("POST", "/api/v1/namespaces/default/pods", { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { containers: [{ name: "c" }] } });
    expect(noImage.status).toBe(422);
    expect(noImage.body.details.causes).toEqual([{ reason: "FieldValueRequired", message: "Required value", field: "spec.containers[0].image" }]);
  });

  it("folds Secret stringData into base64 data", async () => {
    const r = await c.call("POST", "/api/v1/namespaces/default/secrets", { apiVersion: "v1", kind: "Secret", metadata: { name: "sec" }, stringData: { token: "hello" } });
    expect(r.status).toBe(201);
    expect(r.body.data).toEqual({ token: Buffer.from("hello").toString("base64") });
    expect(r.body.stringData).toBeUndefined();
    expect(r.body.type).toBe("Opaque");
  });
});

describe("update and optimistic concurrency", () => {
  it("bumps resourceVersion on change and answers a stale resourceVersion with 409 Conflict", async () => {
    const created = (await c.call("POST", cmPath, configMap("cm-upd"))).body;
    const updated = await c.call("PUT", `${cmPath}/cm-upd`, { ...created, data: { a: "2" } });
    expect(updated.status).toBe(200);
    expect(Number(updated.body.metadata.resourceVersion)).toBeGreaterThan(Number(created.metadata.resourceVersion));
    expect(updated.body.metadata.uid).toBe(created.metadata.uid);
    const stale = await c.call("PUT", `${cmPath}/cm-upd`, { ...created, data: { a: "3" } });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ reason: "Conflict", code: 409 });
    expect(stale.body.message).toContain("the object has been modified");
    expect((await c.call("GET", `${cmPath}/cm-upd`)).body.data).toEqual({ a: "2" });
  });

  it("does not write (nor bump resourceVersion) when an update changes nothing", async () => {
    const created = (await c.call("POST", cmPath, configMap("cm-noop"))).body;
    const again = await c.call("PUT", `${cmPath}/cm-noop`, created);
    expect(again.body.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
  });

  it("keeps uid and creationTimestamp whatever the client sends", async () => {
    const created = (await c.call("POST", cmPath, configMap("cm-immut"))).body;
    const r = await c.call("PUT", `${cmPath}/cm-immut`, { ...created, metadata: { ...created.metadata, uid: "forged", creationTimestamp: "2000-01-01T00:00:00Z" }, data: { b: "1" } });
    expect(r.body.metadata.uid).toBe(created.metadata.uid);
    expect(r.body.metadata.creationTimestamp).toBe(created.metadata.creationTimestamp);
  });

  it("bumps generation on spec changes only, and the main endpoint ignores status", async () => {
    const dep = {
      apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "gen-dep" },
      spec: { replicas: 1, selector: { matchLabels: { app: "g" } }, template: { metadata: { labels: { app: "g" } }, spec: { containers: [{ name: "c", image: "i" }] } } },
    };
    const created = (await c.call("POST", "/apis/apps/v1/namespaces/default/deployments", dep)).body;
    expect(created.metadata.generation).toBe(1);
    const labelled = (await c.call("PATCH", "/apis/apps/v1/namespaces/default/deployments/gen-dep", { metadata: { labels: { x: "y" } }, status: { replicas: 99 } }, "application/merge-patch+json")).body;
    expect(labelled.metadata.generation).toBe(1);
    expect(labelled.status?.replicas).toBeUndefined();
    const scaled = (await c.call("PATCH", "/apis/apps/v1/namespaces/default/deployments/gen-dep", { spec: { replicas: 3 } }, "application/merge-patch+json")).body;
    expect(scaled.metadata.generation).toBe(2);
    const status = await c.call("PUT", "/apis/apps/v1/namespaces/default/deployments/gen-dep/status", { ...scaled, spec: { ...scaled.spec, replicas: 7 }, status: { replicas: 3 } });
    expect(status.body.status).toEqual({ replicas: 3 });
    expect(status.body.spec.replicas).toBe(3);
    expect(status.body.metadata.generation).toBe(2);
  });
});

describe("patch", () => {
  it("applies merge patches, deleting keys set to null", async () => {
    await c.call("POST", cmPath, configMap("cm-merge", { a: "1", b: "2" }));
    const r = await c.call("PATCH", `${cmPath}/cm-merge`, { data: { a: null, c: "3" } }, "application/merge-patch+json");
    expect(r.status).toBe(200);
    expect(r.body.data).toEqual({ b: "2", c: "3" });
  });

  it("applies JSON patches, and a failed test op is 422 with nothing changed", async () => {
    await c.call("POST", cmPath, configMap("cm-json", { a: "1" }));
    const ok = await c.call("PATCH", `${cmPath}/cm-json`, [{ op: "add", path: "/data/z", value: "26" }], "application/json-patch+json");
    expect(ok.body.data).toEqual({ a: "1", z: "26" });
    const bad = await c.call("PATCH", `${cmPath}/cm-json`, [{ op: "test", path: "/data/a", value: "other" }, { op: "remove", path: "/data/a" }], "application/json-patch+json");
    expect(bad.status).toBe(422);
    expect((await c.call("GET", `${cmPath}/cm-json`)).body.data).toEqual({ a: "1", z: "26" });
  });

  it("merges container lists by name in strategic merge patches", async () => {
    await c.call("POST", "/api/v1/namespaces/default/pods", {
      apiVersion: "v1", kind: "Pod", metadata: { name: "smp" },
      spec: { containers: [{ name: "app", image: "a:1", env: [{ name: "X", value: "1" }] }, { name: "side", image: "s:1" }] },
    });
    const r = await c.call("PATCH", "/api/v1/namespaces/default/pods/smp", {
      spec: { containers: [{ name: "app", image: "a:2", env: [{ name: "Y", value: "2" }] }, { name: "side", $patch: "delete" }], "$setElementOrder/containers": [{ name: "app" }] },
    }, "application/strategic-merge-patch+json");
    expect(r.status).toBe(200);
    expect(r.body.spec.containers.map((x: any) => ({ name: x.name, image: x.image, env: x.env }))).toEqual([{ name: "app", image: "a:2", env: [{ name: "X", value: "1" }, { name: "Y", value: "2" }] }]);
  });

  it("rejects an unknown patch content type with 415 and a resourceVersion precondition with 409", async () => {
    await c.call("POST", cmPath, configMap("cm-415"));
    expect((await c.call("PATCH", `${cmPath}/cm-415`, { data: {} }, "text/plain")).status).toBe(415);
    const r = await c.call("PATCH", `${cmPath}/cm-415`, { metadata: { resourceVersion: "1" }, data: { q: "1" } }, "application/merge-patch+json");
    expect(r.status).toBe(409);
  });
});

describe("list, selectors and delete", () => {
  it("filters lists by label and field selectors and reports the list resourceVersion", async () => {
    await c.call("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "sel-ns" } });
    const p = "/api/v1/namespaces/sel-ns/configmaps";
    await c.call("POST", p, configMap("one", {}, { tier: "web", env: "prod" }));
    await c.call("POST", p, configMap("two", {}, { tier: "web", env: "dev" }));
    await c.call("POST", p, configMap("three", {}, { tier: "db" }));
    const names = async (q: string) => ((await c.call("GET", `${p}?${q}`)).body.items as any[]).map((i) => i.metadata.name).sort();
    expect(await names("labelSelector=tier%3Dweb")).toEqual(["one", "two"]);
    expect(await names("labelSelector=tier%3Dweb,env!%3Dprod")).toEqual(["two"]);
    expect(await names("labelSelector=env")).toEqual(["one", "two"]);
    expect(await names("labelSelector=tier%20in%20(db,cache)")).toEqual(["three"]);
    expect(await names("fieldSelector=metadata.name%3Dtwo")).toEqual(["two"]);
    const all = await c.call("GET", "/api/v1/configmaps?fieldSelector=metadata.namespace%3Dsel-ns");
    expect(all.body.kind).toBe("ConfigMapList");
    expect(all.body.items).toHaveLength(3);
    expect(Number(all.body.metadata.resourceVersion)).toBeGreaterThanOrEqual(Number(all.body.items[2].metadata.resourceVersion));
    expect((await c.call("GET", `${p}?labelSelector=a%20in%20(`)).status).toBe(400);
  });

  it("deletes objects, returning them; a second delete is 404", async () => {
    await c.call("POST", cmPath, configMap("cm-del"));
    const r = await c.call("DELETE", `${cmPath}/cm-del`);
    expect(r.status).toBe(200);
    expect(r.body.metadata.name).toBe("cm-del");
    expect((await c.call("DELETE", `${cmPath}/cm-del`)).status).toBe(404);
  });

  it("holds an object with finalizers until they are removed", async () => {
    await c.call("POST", cmPath, { ...configMap("cm-fin"), metadata: { name: "cm-fin", finalizers: ["example.com/hold"] } });
    const r = await c.call("DELETE", `${cmPath}/cm-fin`);
    expect(r.body.metadata.deletionTimestamp).toBeTruthy();
    const held = await c.call("GET", `${cmPath}/cm-fin`);
    expect(held.status).toBe(200);
    await c.call("PATCH", `${cmPath}/cm-fin`, { metadata: { finalizers: null } }, "application/merge-patch+json");
    expect((await c.call("GET", `${cmPath}/cm-fin`)).status).toBe(404);
  });

  it("deleting a namespace deletes what is in it", async () => {
    await c.call("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "doomed" } });
    await c.call("POST", "/api/v1/namespaces/doomed/configmaps", configMap("inside"));
    await c.call("DELETE", "/api/v1/namespaces/doomed");
    expect((await c.call("GET", "/api/v1/namespaces/doomed/configmaps/inside")).status).toBe(404);
  });
});

describe("bad input", () => {
  it("answers malformed bodies, patches, options and selectors with 4xx Status objects", async () => {
    await c.call("POST", cmPath, configMap("cm-bad-input"));
    const cases: [string, string, unknown, string | undefined, number][] = [
      ["PATCH", `${cmPath}/cm-bad-input`, "{oops", "application/merge-patch+json", 400],
      ["PATCH", `${cmPath}/cm-bad-input`, { not: "an array" }, "application/json-patch+json", 400],
      ["DELETE", `${cmPath}/cm-bad-input`, "{oops", "application/json", 400],
      ["POST", cmPath, "", "application/json", 400],
      ["POST", cmPath, "[1,2]", "application/json", 400],
      ["POST", cmPath, "garbage", "application/vnd.kubernetes.protobuf", 400],
      ["POST", cmPath, Buffer.concat([Buffer.from("k8s\0"), Buffer.from([0x0a, 0xff])]).toString("latin1"), "application/vnd.kubernetes.protobuf", 400],
      ["GET", `${cmPath}?watch=1&labelSelector=a%20in%20(`, undefined, undefined, 400],
      ["GET", `${cmPath}/cm-bad-input/unknown-sub`, undefined, undefined, 404],
      ["PUT", cmPath, configMap("x"), "application/json", 405],
      ["GET", "/apis/apps/v1/namespaces/default/deployments/x/y/z", undefined, undefined, 404],
      ["GET", "/api/v1/namespaces/default/configmaps/%E0%A4%A", undefined, undefined, 400],
    ];
    for (const [method, path, body, ct, code] of cases) {
      const r = await c.call(method, path, body, ct);
      expect({ method, path, ct, code: r.status }).toEqual({ method, path, ct, code });
      expect(r.body.kind).toBe("Status");
      expect(r.body.message.length).toBeGreaterThan(0);
    }
    // And the server is still fine.
    expect((await c.call("GET", `${cmPath}/cm-bad-input`)).status).toBe(200);
  });
});

describe("discovery and auth", () => {
  it("serves /api, /apis and resource lists with status subresources", async () => {
    expect((await c.call("GET", "/api")).body).toMatchObject({ kind: "APIVersions", versions: ["v1"] });
    const groups = (await c.call("GET", "/apis")).body;
    expect(groups.kind).toBe("APIGroupList");
    expect(groups.groups.map((g: any) => g.name)).toEqual(expect.arrayContaining(["apps", "coordination.k8s.io", "admissionregistration.k8s.io", "apiextensions.k8s.io", "rbac.authorization.k8s.io", "policy"]));
    const apps = (await c.call("GET", "/apis/apps/v1")).body;
    expect(apps.resources.map((r: any) => r.name)).toEqual(expect.arrayContaining(["deployments", "deployments/status", "statefulsets"]));
    expect((await c.call("GET", "/apis/nothing.example/v1")).status).toBe(404);
    expect((await c.call("GET", "/api/v1/namespaces/default/widgets")).status).toBe(404);
  });

  it("refuses requests without the token", async () => {
    const r = await c.call("GET", "/api/v1/namespaces", undefined, undefined, { authorization: "Bearer wrong" });
    expect(r.status).toBe(401);
    expect(r.body.kind).toBe("Status");
  });
});

describe("plain HTTP", () => {
  it("serves the same API without TLS or token when asked to", async () => {
    const plain = await startKubeApi({ http: true, controllers: false });
    try {
      expect(plain.httpUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const res = await fetch(`${plain.httpUrl}/api/v1/namespaces/default`);
      expect(res.status).toBe(200);
      expect(((await res.json()) as any).metadata.name).toBe("default");
    } finally {
      await plain.stop();
    }
  });
});
