import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deployment } from "./fixtures.js";
import { startKubeApi, type KubeApi } from "./server.js";
import { eventually } from "./test-client.js";

let api: KubeApi;
beforeAll(async () => {
  api = await startKubeApi({ namespaces: ["wl"] });
});
afterAll(async () => {
  await api.stop();
});

const pods = (owner: string) => api.list("v1", "Pod", "wl").filter((p) => p.metadata.ownerReferences?.some((r) => r.name === owner));

describe("deployment controller", () => {
  it("creates `replicas` pods from the template, owned by the deployment, and reports status", async () => {
    const d = (await api.create(deployment("web", 3, {}, "wl"))).object;
    await eventually(() => pods("web").length === 3, 5000, "three pods");
    for (const p of pods("web")) {
      expect(p.metadata.name).toMatch(/^web-[a-z0-9]{10}-[a-z0-9]{5}$/);
      expect(p.metadata.labels).toMatchObject({ app: "web" });
      expect(p.metadata.ownerReferences).toEqual([{ apiVersion: "apps/v1", kind: "Deployment", name: "web", uid: d.metadata.uid, controller: true, blockOwnerDeletion: true }]);
      expect((p.spec as any).containers[0].image).toBe("example/app:1");
    }
    await eventually(() => (api.get("apps/v1", "Deployment", "web", "wl")?.status as any)?.readyReplicas === 3, 5000, "deployment status");
  });

  it("scales and rolls pods to a new template", async () => {
    await api.create(deployment("roll", 2, {}, "wl"));
    await eventually(() => pods("roll").length === 2, 5000, "two pods");
    const before = pods("roll").map((p) => p.metadata.name);
    const d = api.get("apps/v1", "Deployment", "roll", "wl")!;
    (d.spec as any).replicas = 1;
    (d.spec as any).template.spec.containers[0].image = "example/app:2";
    await api.apply(d);
    await eventually(() => pods("roll").length === 1 && (pods("roll")[0]!.spec as any).containers[0].image === "example/app:2", 5000, "the rolled pod");
    expect(before).not.toContain(pods("roll")[0]!.metadata.name);
  });

  it("replaces a deleted pod", async () => {
    await api.create(deployment("heal", 1, {}, "wl"));
    const first = await eventually(() => pods("heal")[0], 5000, "a pod");
    await api.delete("v1", "Pod", first.metadata.name!, "wl");
    await eventually(() => pods("heal").length === 1 && pods("heal")[0]!.metadata.name !== first.metadata.name, 5000, "a replacement pod");
  });

  it("statefulsets get ordinal pod names", async () => {
    await api.create({ ...deployment("db", 3, {}, "wl"), kind: "StatefulSet" });
    await eventually(() => pods("db").length === 3, 5000, "three pods");
    expect(pods("db").map((p) => p.metadata.name).sort()).toEqual(["db-0", "db-1", "db-2"]);
  });
});

describe("garbage collection", () => {
  it("deleting a deployment deletes its pods in the background", async () => {
    await api.create(deployment("gone", 2, {}, "wl"));
    await eventually(() => pods("gone").length === 2, 5000, "two pods");
    await api.delete("apps/v1", "Deployment", "gone", "wl", "Background");
    await api.gcIdle();
    await eventually(() => pods("gone").length === 0, 5000, "pods collected");
  });

  it("collects dependents recursively, and keeps a dependent that still has a live owner", async () => {
    const ns = "wl";
    const owner = (await api.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "owner", namespace: ns } })).object;
    const other = (await api.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "other-owner", namespace: ns } })).object;
    const ref = (o: typeof owner) => ({ apiVersion: "v1", kind: "ConfigMap", name: o.metadata.name!, uid: o.metadata.uid! });
    const child = (await api.create({ apiVersion: "v1", kind: "Secret", metadata: { name: "child", namespace: ns, ownerReferences: [ref(owner)] } })).object;
    await api.create({ apiVersion: "v1", kind: "Secret", metadata: { name: "grandchild", namespace: ns, ownerReferences: [{ apiVersion: "v1", kind: "Secret", name: "child", uid: child.metadata.uid! }] } });
    await api.create({ apiVersion: "v1", kind: "Secret", metadata: { name: "shared", namespace: ns, ownerReferences: [ref(owner), ref(other)] } });
    await api.delete("v1", "ConfigMap", "owner", ns);
    await eventually(async () => {
      await api.gcIdle();
      return !api.get("v1", "Secret", "grandchild", ns);
    }, 5000, "grandchild collected");
    expect(api.get("v1", "Secret", "child", ns)).toBeUndefined();
    const shared = api.get("v1", "Secret", "shared", ns)!;
    expect(shared.metadata.ownerReferences?.map((r) => r.name)).toEqual(["other-owner"]);
  });

  it("orphans dependents when asked to", async () => {
    const owner = (await api.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "orphaner", namespace: "wl" } })).object;
    await api.create({ apiVersion: "v1", kind: "Secret", metadata: { name: "orphan", namespace: "wl", ownerReferences: [{ apiVersion: "v1", kind: "ConfigMap", name: "orphaner", uid: owner.metadata.uid! }] } });
    await api.delete("v1", "ConfigMap", "orphaner", "wl", "Orphan");
    await api.gcIdle();
    const orphan = api.get("v1", "Secret", "orphan", "wl");
    expect(orphan).toBeDefined();
    expect(orphan!.metadata.ownerReferences ?? []).toEqual([]);
  });
});
