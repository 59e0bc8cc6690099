// startInformer keeps its cache right through cut connections and 410 Gone.
import { CoreV1Api, type V1ConfigMap } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../sidecar/log/logger.js";
import { startKubeApi, type KubeApi } from "../test/kube-api/server.js";
import { eventually } from "../test/kube-api/test-client.js";
import { startInformer } from "./informers.js";

let api: KubeApi;
beforeAll(async () => {
  api = await startKubeApi({ controllers: false, historySize: 20, namespaces: ["inf"] });
});
afterAll(async () => {
  await api.stop();
});

describe("startInformer", () => {
  it("does not call itself synced before a list succeeds", async () => {
    const kc = api.kubeConfig();
    const custom = kc.makeApiClient(CoreV1Api);
    let calls = 0;
    const inf = startInformer<V1ConfigMap>({
      kc, path: "/api/v1/namespaces/inf/configmaps", logger: silentLogger, onEvent: () => {}, restartDelayMs: 20,
      // The first two lists fail, as when the API server is not reachable yet.
      list: async () => {
        if (++calls <= 2) throw Object.assign(new Error("unavailable"), { code: 503 });
        return custom.listNamespacedConfigMap({ namespace: "inf" });
      },
    });
    let synced = false;
    void inf.synced.then(() => (synced = true));
    await eventually(() => synced, 5000, "synced");
    expect(calls).toBeGreaterThanOrEqual(3);
    await inf.stop();
  });

  it("reports every change made while its watch was down, across a 410 Gone", async () => {
    const kc = api.kubeConfig();
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNamespacedConfigMap({ namespace: "inf", body: { metadata: { name: "old" } } });
    const seen = new Set<string>();
    const inf = startInformer<V1ConfigMap>({ kc, path: "/api/v1/namespaces/inf/configmaps", list: () => core.listNamespacedConfigMap({ namespace: "inf" }), logger: silentLogger, onEvent: (o) => seen.add(o.metadata!.name!), restartDelayMs: 300 });
    await inf.synced;
    await eventually(() => api.openWatches() === 1, 5000, "watch open");
    api.dropWatches();
    // Churn past the 20-event history while the informer waits to restart: its resourceVersion is then too old (410).
    for (let i = 0; i < 25; i++) await core.createNamespace({ body: { metadata: { name: `churn-${i}` } } });
    await core.deleteNamespacedConfigMap({ namespace: "inf", name: "old" });
    await core.createNamespacedConfigMap({ namespace: "inf", body: { metadata: { name: "new" } } });
    await eventually(() => inf.cache.get("new", "inf") && !inf.cache.get("old", "inf"), 8000, "cache caught up");
    expect(seen.has("new")).toBe(true);
    // A second full list: the informer resumed from a resourceVersion that was gone (410) and relisted.
    const lists = api.requests.filter((r) => r.method === "GET" && r.url.startsWith("/api/v1/namespaces/inf/configmaps") && !r.url.includes("watch="));
    expect(lists.length).toBeGreaterThanOrEqual(2);
    await inf.stop();
  });
});
