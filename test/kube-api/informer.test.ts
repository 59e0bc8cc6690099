// @kubernetes/client-node informers against the double: the list+watch
// protocol as the operator will use it, including recovery after the watch
// connections are cut and after a 410 Gone.
import { CoreV1Api, CustomObjectsApi, makeInformer, PatchStrategy, setHeaderOptions, type KubernetesObject, type V1ConfigMap } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { widgetCrd } from "./fixtures.js";
import { startKubeApi, type KubeApi } from "./server.js";
import { eventually } from "./test-client.js";

let api: KubeApi;
beforeAll(async () => {
  api = await startKubeApi({ controllers: false, historySize: 30, namespaces: ["inf"] });
});
afterAll(async () => {
  await api.stop();
});

function recorder() {
  const events: string[] = [];
  const errors: unknown[] = [];
  return { events, errors, saw: (e: string) => events.includes(e) };
}

describe("client-node informer", () => {
  it("receives ADDED, MODIFIED and DELETED, and recovers after dropWatches without losing events", async () => {
    const kc = api.kubeConfig();
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNamespacedConfigMap({ namespace: "inf", body: { metadata: { name: "pre-existing" }, data: { a: "1" } } });
    const informer = makeInformer<V1ConfigMap>(kc, "/api/v1/namespaces/inf/configmaps", () => core.listNamespacedConfigMap({ namespace: "inf" }));
    const rec = recorder();
    informer.on("add", (o) => rec.events.push(`add ${o.metadata?.name}`));
    informer.on("update", (o) => rec.events.push(`update ${o.metadata?.name} ${o.data?.a}`));
    informer.on("delete", (o) => rec.events.push(`delete ${o.metadata?.name}`));
    // The documented way to keep an informer alive: restart it on error.
    informer.on("error", (err) => {
      rec.errors.push(err);
      setTimeout(() => void informer.start().catch(() => {}), 50);
    });
    await informer.start();
    await eventually(() => rec.saw("add pre-existing"), 5000, "initial add");
    await eventually(() => api.openWatches() === 1, 5000, "the informer's watch");

    await core.createNamespacedConfigMap({ namespace: "inf", body: { metadata: { name: "cm1" }, data: { a: "1" } } });
    await core.patchNamespacedConfigMap({ namespace: "inf", name: "cm1", body: { data: { a: "2" } } }, setMergePatch());
    await core.deleteNamespacedConfigMap({ namespace: "inf", name: "cm1" });
    await eventually(() => rec.saw("delete cm1"), 5000, "delete");
    expect(rec.events).toEqual(["add pre-existing", "add cm1", "update cm1 2", "delete cm1"]);

    // Cut the watch, change things while no watch is open, and expect the informer to catch up.
    expect(api.dropWatches()).toBe(1);
    await core.createNamespacedConfigMap({ namespace: "inf", body: { metadata: { name: "while-down" }, data: { a: "1" } } });
    await eventually(() => rec.saw("add while-down"), 5000, "the event made while disconnected");
    await eventually(() => api.openWatches() === 1, 5000, "a new watch");
    await core.createNamespacedConfigMap({ namespace: "inf", body: { metadata: { name: "after" }, data: { a: "1" } } });
    await eventually(() => rec.saw("add after"), 5000, "an event after reconnecting");
    expect(informer.list().map((o) => o.metadata?.name).sort()).toEqual(["after", "pre-existing", "while-down"]);
    expect(rec.errors.length).toBeGreaterThanOrEqual(1); // the cut surfaced as an error, and the restart worked
    await informer.stop();
  });

  it("relists after 410 Gone and keeps its cache right", async () => {
    const kc = api.kubeConfig();
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: "inf-gone" } } });
    const informer = makeInformer<V1ConfigMap>(kc, "/api/v1/namespaces/inf-gone/configmaps", () => core.listNamespacedConfigMap({ namespace: "inf-gone" }));
    const rec = recorder();
    informer.on("add", (o) => rec.events.push(`add ${o.metadata?.name}`));
    informer.on("delete", (o) => rec.events.push(`delete ${o.metadata?.name}`));
    // Hold the restart until the history has moved past the informer's resourceVersion.
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    informer.on("error", (err) => {
      rec.errors.push(err);
      void released.then(() => informer.start().catch(() => {}));
    });
    await core.createNamespacedConfigMap({ namespace: "inf-gone", body: { metadata: { name: "doomed" } } });
    await informer.start();
    await eventually(() => rec.saw("add doomed"), 5000, "initial add");
    await eventually(() => api.openWatches() >= 1, 5000, "a watch");

    // Drop the watch, then churn far past the 30-event history so the resume point is gone.
    api.dropWatches();
    await core.deleteNamespacedConfigMap({ namespace: "inf-gone", name: "doomed" });
    for (let i = 0; i < 40; i++) await core.createNamespace({ body: { metadata: { name: `churn-${i}` } } });
    await core.createNamespacedConfigMap({ namespace: "inf-gone", body: { metadata: { name: "survivor" } } });
    await eventually(() => rec.errors.length > 0, 5000, "the informer noticing the cut");
    release();
    await eventually(() => rec.saw("add survivor") && rec.saw("delete doomed"), 8000, "relist results");
    expect(informer.list().map((o) => o.metadata?.name)).toEqual(["survivor"]);
    // A second list means the informer dropped its resourceVersion, which it only does on 410 Gone.
    const lists = api.requests.filter((r) => r.method === "GET" && r.url.startsWith("/api/v1/namespaces/inf-gone/configmaps") && !r.url.includes("watch="));
    expect(lists).toHaveLength(2);
    await informer.stop();
  });

  it("informs on custom resources registered at run time", async () => {
    const kc = api.kubeConfig();
    await api.create(widgetCrd);
    const custom = kc.makeApiClient(CustomObjectsApi);
    const informer = makeInformer<KubernetesObject>(kc, "/apis/example.com/v1/namespaces/inf/widgets", () =>
      custom.listNamespacedCustomObject({ group: "example.com", version: "v1", namespace: "inf", plural: "widgets" }) as never);
    const seen: string[] = [];
    informer.on("add", (o) => seen.push(`add ${o.metadata?.name}`));
    informer.on("update", (o) => seen.push(`update ${o.metadata?.name}`));
    await informer.start();
    await custom.createNamespacedCustomObject({ group: "example.com", version: "v1", namespace: "inf", plural: "widgets", body: { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "wi" }, spec: { size: 1, color: "red" } } });
    await eventually(() => seen.includes("add wi"), 5000, "custom add");
    await custom.patchNamespacedCustomObjectStatus({ group: "example.com", version: "v1", namespace: "inf", plural: "widgets", name: "wi", body: { status: { observedGeneration: 1 } } }, setMergePatch());
    await eventually(() => seen.includes("update wi"), 5000, "custom status update");
    const bad = await custom.createNamespacedCustomObject({ group: "example.com", version: "v1", namespace: "inf", plural: "widgets", body: { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "bad" }, spec: { size: "x" } } }).then(() => undefined, (e: any) => e);
    expect(bad?.code).toBe(422);
    await informer.stop();
  });
});

/** client-node 1.x picks the patch content type through a request option. */
function setMergePatch() {
  return setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
}
