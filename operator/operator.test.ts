// The operator against the Kubernetes API double: status conditions on the
// dapr.io kinds, dapr Services of annotated workloads, no-op passes, probes
// and metrics, and leader election between two replicas.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deployment } from "../test/kube-api/fixtures.js";
import type { KubeObject } from "../test/kube-api/object-store.js";
import { startKubeApi, type KubeApi } from "../test/kube-api/server.js";
import { eventually } from "../test/kube-api/test-client.js";
import { installDaprCrds, startOperatorFor, waitForReady, type OperatorHandle } from "../test/e2e-k8s/operator-harness.js";

let api: KubeApi;
let op: OperatorHandle;
const ns = "op-test";

beforeAll(async () => {
  api = await startKubeApi({ controllers: false, namespaces: ["dapr-system", ns] });
  await installDaprCrds(api);
  op = await startOperatorFor(api);
  await op.operator.synced;
});

afterAll(async () => {
  await op?.stop();
  await api?.stop();
});

function component(name: string, spec: Record<string, unknown>): KubeObject {
  return { apiVersion: "dapr.io/v1alpha1", kind: "Component", metadata: { name, namespace: ns }, spec };
}

describe("dapr.io status", () => {
  it("marks a valid Component Ready and an unknown type not Ready, with reason and message", async () => {
    await api.create(component("good", { type: "state.redis", version: "v1", metadata: [{ name: "redisHost", value: "localhost:6379" }] }));
    await api.create(component("bad", { type: "state.nosuch", version: "v1", metadata: [] }));
    expect(await waitForReady(api, "Component", "good", "True", ns)).toMatchObject({ reason: "Valid" });
    const bad = await waitForReady(api, "Component", "bad", "False", ns);
    expect(bad.reason).toBe("UnknownType");
    expect(bad.message).toContain("state.nosuch");
  });

  it("follows spec changes (observedGeneration) and flips lastTransitionTime only on a status flip", async () => {
    const before = await waitForReady(api, "Component", "bad", "False", ns);
    const obj = api.get("dapr.io/v1alpha1", "Component", "bad", ns)!;
    await api.apply({ ...obj, spec: { type: "state.redis", version: "v1", metadata: [] } });
    const missing = await waitForReady(api, "Component", "bad", "False", ns);
    expect(missing.reason).toBe("MissingMetadata");
    expect(missing.lastTransitionTime).toBe(before.lastTransitionTime);
    const again = api.get("dapr.io/v1alpha1", "Component", "bad", ns)!;
    await api.apply({ ...again, spec: { type: "state.redis", version: "v1", metadata: [{ name: "redisHost", value: "h:6379" }] } });
    await waitForReady(api, "Component", "bad", "True", ns);
  });

  it("reports a missing Secret behind a secretKeyRef", async () => {
    await api.create(component("secret-ref", { type: "state.redis", version: "v1", metadata: [{ name: "redisHost", value: "h" }, { name: "redisPassword", secretKeyRef: { name: "absent", key: "pw" } }] }));
    const c = await waitForReady(api, "Component", "secret-ref", "False", ns);
    expect(c).toMatchObject({ reason: "SecretNotFound", message: expect.stringContaining("Secret 'absent' not found") });
  });

  it("judges Resiliency, Subscription and Configuration", async () => {
    await api.create({ apiVersion: "dapr.io/v1alpha1", kind: "Resiliency", metadata: { name: "res-bad", namespace: ns }, spec: { policies: { timeouts: { general: "soon" } }, targets: {} } });
    await api.create({ apiVersion: "dapr.io/v2alpha1", kind: "Subscription", metadata: { name: "sub-ok", namespace: ns }, spec: { pubsubname: "p", topic: "t", routes: { rules: [{ match: 'event.type == "x"', path: "/x" }], default: "/d" } } });
    await api.create({ apiVersion: "dapr.io/v2alpha1", kind: "Subscription", metadata: { name: "sub-bad", namespace: ns }, spec: { pubsubname: "p", topic: "t", routes: { rules: [{ match: "event.type ==", path: "/x" }] } } });
    await api.create({ apiVersion: "dapr.io/v1alpha1", kind: "Configuration", metadata: { name: "conf", namespace: ns }, spec: { tracing: { samplingRate: "1" } } });
    expect((await waitForReady(api, "Resiliency", "res-bad", "False", ns)).message).toContain("spec.policies.timeouts.general");
    await waitForReady(api, "Subscription", "sub-ok", "True", ns, 15_000, "dapr.io/v2alpha1");
    expect((await waitForReady(api, "Subscription", "sub-bad", "False", ns, 15_000, "dapr.io/v2alpha1")).reason).toBe("InvalidRoute");
    await waitForReady(api, "Configuration", "conf", "True", ns);
  });

  it("judges a v1alpha1 Subscription (served converted to v2alpha1) and shows its status in both versions", async () => {
    await api.create({ apiVersion: "dapr.io/v1alpha1", kind: "Subscription", metadata: { name: "sub-v1", namespace: ns }, spec: { pubsubname: "p", topic: "t", route: "/orders" } });
    await waitForReady(api, "Subscription", "sub-v1", "True", ns, 15_000, "dapr.io/v2alpha1");
    await waitForReady(api, "Subscription", "sub-v1", "True", ns, 15_000, "dapr.io/v1alpha1");
  });

  it("does not write a status that did not change (no hot loop)", async () => {
    await waitForReady(api, "Component", "good", "True", ns);
    const rv = api.get("dapr.io/v1alpha1", "Component", "good", ns)!.metadata.resourceVersion;
    await new Promise((r) => setTimeout(r, 500));
    expect(api.get("dapr.io/v1alpha1", "Component", "good", ns)!.metadata.resourceVersion).toBe(rv);
  });
});

describe("dapr services of workloads", () => {
  const svc = (name: string) => api.get("v1", "Service", name, ns);

  it("creates <app-id>-dapr for an annotated Deployment, restores it when deleted, removes it with the annotation", async () => {
    const d = deployment("orders", 1, { "dapr.io/enabled": "true", "dapr.io/app-id": "order-app" }, ns);
    await api.create(d);
    const created = await eventually(() => svc("order-app-dapr"), 15_000, "dapr service");
    const spec = created.spec as { clusterIP: string; selector: Record<string, string>; ports: { name: string; port: number; targetPort: number }[] };
    expect(spec.clusterIP).toBe("None");
    expect(spec.selector).toEqual({ app: "orders" });
    expect(spec.ports.map((p) => [p.name, p.port, p.targetPort])).toEqual([["dapr-http", 80, 3500], ["dapr-grpc", 50001, 50001], ["dapr-internal", 50002, 50002], ["dapr-metrics", 9090, 9090]]);
    expect(created.metadata.ownerReferences?.[0]).toMatchObject({ kind: "Deployment", name: "orders", controller: true });
    expect(created.metadata.annotations).toMatchObject({ "prometheus.io/scrape": "true", "prometheus.io/port": "9090" });

    await api.delete("v1", "Service", "order-app-dapr", ns);
    await eventually(() => svc("order-app-dapr"), 15_000, "dapr service recreated");

    const stored = api.get("apps/v1", "Deployment", "orders", ns)!;
    const plain = structuredClone(stored);
    (plain.spec as { template: { metadata: { annotations?: Record<string, string> } } }).template.metadata.annotations = {};
    await api.apply(plain);
    await eventually(() => !svc("order-app-dapr"), 15_000, "dapr service removed");
  });

  it("leaves unannotated workloads alone and serves StatefulSets too", async () => {
    await api.create(deployment("plain", 1, {}, ns));
    await api.create({ ...deployment("ledger", 1, { "dapr.io/enabled": "true" }, ns), kind: "StatefulSet", spec: { ...deployment("ledger", 1, {}, ns).spec, serviceName: "ledger", template: { metadata: { labels: { app: "ledger" }, annotations: { "dapr.io/enabled": "true" } }, spec: { containers: [{ name: "app", image: "x" }] } } } });
    await eventually(() => svc("ledger-dapr"), 15_000, "statefulset dapr service");
    expect(svc("ledger-dapr")!.metadata.ownerReferences?.[0]?.kind).toBe("StatefulSet");
    expect(svc("plain-dapr")).toBeUndefined();
  });
});

describe("dapr service conflicts", () => {
  it("leaves a same-named Service it does not manage alone, and lets the first of two same-app-id workloads keep its Service", async () => {
    await api.create({ apiVersion: "v1", kind: "Service", metadata: { name: "taken-dapr", namespace: ns }, spec: { selector: { app: "x" }, ports: [{ name: "http", port: 80 }] } });
    await api.create(deployment("taken", 1, { "dapr.io/enabled": "true" }, ns));
    await api.create(deployment("first", 1, { "dapr.io/enabled": "true", "dapr.io/app-id": "shared" }, ns));
    const owned = await eventually(() => api.get("v1", "Service", "shared-dapr", ns), 15_000, "shared-dapr");
    await api.create(deployment("second", 1, { "dapr.io/enabled": "true", "dapr.io/app-id": "shared" }, ns));
    await new Promise((r) => setTimeout(r, 600));
    const taken = api.get("v1", "Service", "taken-dapr", ns)!;
    expect(taken.metadata.ownerReferences).toBeUndefined();
    expect((taken.spec as { ports: { name: string }[] }).ports.map((p) => p.name)).toEqual(["http"]);
    const shared = api.get("v1", "Service", "shared-dapr", ns)!;
    expect(shared.metadata.ownerReferences?.[0]?.name).toBe("first");
    expect(shared.metadata.resourceVersion).toBe(owned.metadata.resourceVersion); // no tug of war
    // The first goes (and its Service with it, by garbage collection): the second takes the name over.
    await api.delete("apps/v1", "Deployment", "first", ns);
    await eventually(() => api.get("v1", "Service", "shared-dapr", ns)?.metadata.ownerReferences?.[0]?.name === "second", 15_000, "shared-dapr handed over");
  });
});

describe("probes and metrics", () => {
  it("serves /healthz, /readyz and dapr_operator_* metrics", async () => {
    expect((await fetch(`http://127.0.0.1:${op.healthzPort}/healthz`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${op.healthzPort}/readyz`)).status).toBe(200);
    const text = await (await fetch(`http://127.0.0.1:${op.metricsPort}/metrics`)).text();
    expect(text).toMatch(/dapr_operator_service_created_total\{app_id="order-app"\} [1-9]/);
    expect(text).toContain("dapr_operator_reconcile_total");
    expect(text).toContain("dapr_operator_leader 1");
  });
});

describe("leader election", () => {
  it("lets one replica write; a second waits and takes over when the first stops", async () => {
    const second = await startOperatorFor(api, { identity: "operator-1" });
    try {
      await second.operator.synced;
      await new Promise((r) => setTimeout(r, 400));
      expect(op.operator.isLeader()).toBe(true);
      expect(second.operator.isLeader()).toBe(false);
      const lease = api.get("coordination.k8s.io/v1", "Lease", "dapr-ts-operator", "dapr-system")!;
      expect((lease.spec as { holderIdentity: string }).holderIdentity).toBe("operator-0");

      expect(await op.stop()).toBe(0);
      await eventually(() => second.operator.isLeader(), 15_000, "takeover");
      // The new leader reconciles.
      await api.create(component("after-takeover", { type: "state.in-memory", version: "v1", metadata: [] }));
      await waitForReady(api, "Component", "after-takeover", "True", ns);
    } finally {
      op = second; // afterAll stops whichever runs
    }
  });
});
