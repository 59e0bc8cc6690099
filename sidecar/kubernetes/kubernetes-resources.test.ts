// KubernetesResources in-process against the Kubernetes API double: what is
// loaded (both Subscription versions, scopes kept for the consumers, the
// built-in secret store, --config), and hot reload of each kind, including
// after a watch drop that outlived the server's event history (410 Gone).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startKubeApi, type KubeApi } from "../../test/kube-api/server.js";
import { eventually } from "../../test/kube-api/test-client.js";
import { loadCrds } from "../resources/crd-schema.js";
import { emptyResourceSet, type ResourceSet } from "../resources/types.js";
import { defaultCategoryAdapters } from "../components/categories.js";
import { ComponentHub } from "../components/hub.js";
import { Logger } from "../log/logger.js";
import { KubernetesResources, RELOAD_SUBSCRIPTIONS_HOOK } from "./kubernetes-resources.js";

const silent = new Logger({ sink: () => {} });
let api: KubeApi;
let nsCounter = 0;

beforeAll(async () => {
  api = await startKubeApi({ controllers: false, historySize: 20 });
  for (const crd of loadCrds()) await api.create(crd as never);
}, 30_000);

afterAll(async () => {
  await api?.stop();
});

async function namespace(): Promise<string> {
  const ns = `kr-${process.pid}-${++nsCounter}`;
  await api.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
  return ns;
}

const component = (ns: string, name: string, type = "state.in-memory", extra: Record<string, unknown> = {}) => ({
  apiVersion: "dapr.io/v1alpha1", kind: "Component", metadata: { name, namespace: ns }, spec: { type, version: "v1", metadata: [] }, ...extra,
});

const resiliency = (ns: string, name: string, retries: number) => ({
  apiVersion: "dapr.io/v1alpha1", kind: "Resiliency", metadata: { name, namespace: ns },
  spec: {
    policies: { retries: { r: { policy: "constant", duration: "10ms", maxRetries: retries } } },
    targets: { components: { store: { outbound: { retry: "r" } } } },
  },
});

function resources(ns: string, configName?: string) {
  return new KubernetesResources({ appId: "app1", namespace: ns, configName, logger: silent, kubeConfig: api.kubeConfig() });
}

const names = (set: ResourceSet, kind: "components" | "subscriptions" | "resiliencies") => set[kind].map((r) => r.resource.metadata.name).sort();

describe("KubernetesResources", () => {
  it("loads Components (plus the built-in kubernetes store), both Subscription versions, Resiliencies and the --config Configuration", async () => {
    const ns = await namespace();
    await api.create(component(ns, "store"));
    await api.create(component(ns, "elsewhere", "state.in-memory", { scopes: ["other-app"] }));
    await api.create({ apiVersion: "dapr.io/v1alpha1", kind: "Subscription", metadata: { name: "old-style", namespace: ns }, spec: { pubsubname: "ps", topic: "t1", route: "/t1" } });
    await api.create({ apiVersion: "dapr.io/v2alpha1", kind: "Subscription", metadata: { name: "new-style", namespace: ns }, spec: { pubsubname: "ps", topic: "t2", routes: { default: "/t2", rules: [{ match: 'event.type == "x"', path: "/x" }] } } });
    await api.create(resiliency(ns, "res", 3));
    await api.create({ apiVersion: "dapr.io/v1alpha1", kind: "Configuration", metadata: { name: "appconfig", namespace: ns }, spec: { tracing: { samplingRate: "1" } } });

    const kr = resources(ns, "appconfig");
    const set = emptyResourceSet();
    await kr.load(set, new AbortController().signal);
    await kr.stop();

    // Scopes are kept on the resource: the initializer filters (as for files).
    expect(names(set, "components")).toEqual(["elsewhere", "kubernetes", "store"]);
    expect(set.components.find((c) => c.resource.metadata.name === "elsewhere")!.resource.scopes).toEqual(["other-app"]);
    expect(set.components.find((c) => c.resource.metadata.name === "kubernetes")!.resource.spec.type).toBe("secretstores.kubernetes");
    const subs = Object.fromEntries(set.subscriptions.map((s) => [s.resource.metadata.name, s.resource.spec]));
    expect(subs["old-style"]).toMatchObject({ topic: "t1", routes: { default: "/t1" } });
    expect(subs["new-style"]).toMatchObject({ topic: "t2", routes: { default: "/t2", rules: [{ path: "/x" }] } });
    expect(names(set, "resiliencies")).toEqual(["res"]);
    expect(set.configurations.map((c) => c.resource.metadata.name)).toEqual(["appconfig"]);
    expect(set.components.find((c) => c.resource.metadata.name === "store")!.source).toBe(`kubernetes Component ${ns}/store`);
    expect(kr.policies.provider.policyDefined("store", "component")).toBe(true);
  });

  it("leaves the built-in secret store out when disabled or when the namespace defines its own `kubernetes` Component", async () => {
    const ns = await namespace();
    const disabled = new KubernetesResources({ appId: "app1", namespace: ns, logger: silent, kubeConfig: api.kubeConfig(), builtinSecretStore: false });
    const a = emptyResourceSet();
    await disabled.load(a, new AbortController().signal);
    await disabled.stop();
    expect(names(a, "components")).toEqual([]);

    await api.create(component(ns, "kubernetes", "secretstores.local.env"));
    const own = resources(ns);
    const b = emptyResourceSet();
    await own.load(b, new AbortController().signal);
    await own.stop();
    expect(b.components.map((c) => c.resource.spec.type)).toEqual(["secretstores.local.env"]);
  });

  it("reports a missing --config Configuration by name and carries on with defaults", async () => {
    const ns = await namespace();
    const kr = resources(ns, "nope");
    const set = emptyResourceSet();
    await kr.load(set, new AbortController().signal);
    await kr.stop();
    expect(set.errors).toEqual([expect.stringMatching(/Configuration nope not found in namespace kr-/)]);
  });

  it("keeps waiting (not failing) while the CRDs are missing, and gives up only when aborted", async () => {
    const bare = await startKubeApi({ controllers: false });
    try {
      const kr = new KubernetesResources({ appId: "a", namespace: "default", logger: silent, kubeConfig: bare.kubeConfig() });
      const abort = new AbortController();
      const waits: string[] = [];
      const loading = kr.load(emptyResourceSet(), abort.signal, (why) => waits.push(why));
      await eventually(() => waits.length >= 2, 5_000, "retries");
      expect(waits[0]).toMatch(/cannot list (Component|Subscription|Resiliency) resources in namespace default/);
      abort.abort();
      await expect(loading).rejects.toThrow(/stopped before the resources were loaded/);
      await kr.stop();
    } finally {
      await bare.stop();
    }
  });

  it("hot-reloads Components, Subscriptions and Resiliencies, also across a watch drop that outlived the event history", async () => {
    const ns = await namespace();
    await api.create(component(ns, "store"));
    const kr = resources(ns);
    const set = emptyResourceSet();
    await kr.load(set, new AbortController().signal);
    const hub = new ComponentHub();
    const init = { appId: "app1", namespace: ns, env: {}, logger: silent, adapters: defaultCategoryAdapters(), hub };
    const { initComponents } = await import("../components/initializer.js");
    await initComponents(set.components, init);
    let reloads = 0;
    const shared = new Map<string, unknown>([[RELOAD_SUBSCRIPTIONS_HOOK, async () => void reloads++]]);
    kr.startHotReload({ set, init, drainTimeoutMs: 1_000, shared });
    try {
      // Component added, then deleted.
      await api.create(component(ns, "added"));
      await eventually(() => hub.get("added"), 5_000, "the added component");
      await api.delete("dapr.io/v1alpha1", "Component", "added", ns);
      await eventually(() => !hub.get("added"), 5_000, "the deleted component gone");

      // Subscription created: the set is updated and the pub/sub hook runs.
      await api.create({ apiVersion: "dapr.io/v2alpha1", kind: "Subscription", metadata: { name: "s", namespace: ns }, spec: { pubsubname: "ps", topic: "t", routes: { default: "/a" } } });
      await eventually(() => reloads === 1 && set.subscriptions.length === 1, 5_000, "the subscription reload");

      // Resiliency created: a new provider is swapped in.
      const before = kr.policies.provider;
      await api.create(resiliency(ns, "res", 2));
      await eventually(() => kr.policies.provider !== before, 5_000, "the new resiliency provider");
      expect(kr.policies.provider.policyDefined("store", "component")).toBe(true);

      // Cut the watches and make more changes than the server keeps: the informer must relist (410 Gone).
      const listsBefore = api.requests.filter((r) => r.url.includes(`/namespaces/${ns}/components`) && !r.url.includes("watch=")).length;
      api.dropWatches();
      for (let i = 0; i < 25; i++) await api.apply({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `churn-${i}`, namespace: ns }, data: { i: String(i) } });
      await api.create(component(ns, "after-drop"));
      await api.apply({ ...resiliency(ns, "res", 5) });
      await eventually(() => hub.get("after-drop"), 10_000, "the component created while disconnected");
      await eventually(() => set.resiliencies[0]?.resource.spec && JSON.stringify(set.resiliencies[0].resource.spec).includes('"maxRetries":5'), 10_000, "the changed resiliency");
      const listsAfter = api.requests.filter((r) => r.url.includes(`/namespaces/${ns}/components`) && !r.url.includes("watch=")).length;
      expect(listsAfter).toBeGreaterThan(listsBefore); // relisted after 410
      await kr.idle();
      expect(hub.failures()).toEqual([]);

      // Stopped right after another drop (the informers reconnecting by themselves): nothing stays open.
      api.dropWatches();
      await kr.stop();
      // Requests already on the wire when stop() returned may still be read by the (in-process) server.
      await new Promise((r) => setTimeout(r, 100));
      const seen = api.requests.length;
      await new Promise((r) => setTimeout(r, 500));
      expect(api.openWatches()).toBe(0);
      expect(api.requests.slice(seen).map((r) => r.url)).toEqual([]);
    } finally {
      await kr.stop();
      await hub.closeAll();
    }
  }, 30_000);
});
