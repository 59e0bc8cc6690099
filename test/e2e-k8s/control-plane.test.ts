// The control plane end to end against the Kubernetes API double (issue 6,
// item 6): the chart's rendered objects applied with real kubectl, the
// injector serving as a real HTTPS admission webhook registered through the
// chart's MutatingWebhookConfiguration, and the operator reconciling
// Components and Resiliencies taken from Dapr's documentation.
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Agent, request } from "undici";
import { parse as parseYaml, stringify as toYaml } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main as injectorMain } from "../../injector/main.js";
import type { RunningInjectorServer } from "../../injector/server.js";
import { renderChart } from "../chart/render.js";
import { kubectl } from "../kube-api/kubectl.js";
import type { KubeObject } from "../kube-api/object-store.js";
import { startKubeApi, type KubeApi } from "../kube-api/server.js";
import { eventually } from "../kube-api/test-client.js";
import { readyCondition, startOperatorFor, waitForReady, type OperatorHandle } from "./operator-harness.js";

const fixtures = fileURLToPath(new URL("./fixtures/", import.meta.url));
const tmp = mkdtempSync(path.join(os.tmpdir(), "e2e-k8s-"));
const ns = "dapr-system";
let api: KubeApi;
let injectorPort = 0;
let injector: { server: RunningInjectorServer; stop: () => Promise<number> };
let operator: OperatorHandle;

function yamlFile(name: string, docs: unknown[]): string {
  const p = path.join(tmp, name);
  writeFileSync(p, docs.map((d) => toYaml(d)).join("---\n"));
  return p;
}

async function startInjector(): Promise<typeof injector> {
  const ac = new AbortController();
  let server!: RunningInjectorServer;
  let exited!: Promise<number>;
  await new Promise<void>((resolve, reject) => {
    exited = injectorMain(["--port", "0", "--healthz-port", "0", "--metrics-port", "0", "--namespace", ns, "--kubeconfig", api.kubeconfigPath, "--log-level", "error"], {
      env: {},
      signal: ac.signal,
      onReady: (s) => ((server = s), resolve()),
    });
    exited.then((code) => reject(new Error(`injector exited early with ${code}`)), reject);
  });
  injectorPort = server.port;
  return { server, stop: async () => (ac.abort(), exited) };
}

function containersOf(pod: KubeObject): string[] {
  const spec = pod.spec as { containers: { name: string }[]; initContainers?: { name: string }[] };
  return [...(spec.initContainers ?? []), ...spec.containers].map((c) => c.name);
}

function podsOf(app: string, namespace = "default"): KubeObject[] {
  return api.list("v1", "Pod", namespace).filter((p) => p.metadata.labels?.app === app);
}

/** resourceVersions of everything the operator writes, to prove a pass changed nothing. */
function snapshot(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [apiVersion, kind] of [["dapr.io/v1alpha1", "Component"], ["dapr.io/v1alpha1", "Resiliency"], ["v1", "Service"]] as const) {
    for (const o of api.list(apiVersion, kind)) out[`${kind}/${o.metadata.namespace}/${o.metadata.name}`] = o.metadata.resourceVersion!;
  }
  return out;
}

const app = (name: string, annotations: Record<string, string>) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name, namespace: "default" },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name }, annotations }, spec: { containers: [{ name: "app", image: "example/app:1", ports: [{ containerPort: 8080 }] }] } },
  },
});

beforeAll(async () => {
  api = await startKubeApi({ namespaces: [ns], resolveService: () => `127.0.0.1:${injectorPort}` });
  // The injector starts first, as its Deployment would: it creates its CA and waits for its webhook configuration.
  injector = await startInjector();
}, 30_000);

afterAll(async () => {
  await operator?.stop();
  await injector?.stop();
  await api?.stop();
});

describe("install", () => {
  it("applies the chart's CRDs and rendered objects with kubectl, and every one is stored", async () => {
    const chart = await renderChart({ namespace: ns });
    const crds = await kubectl(api, ["apply", "-f", yamlFile("crds.yaml", chart.crds)]);
    expect(crds.stderr).toBe("");
    expect(crds.code).toBe(0);
    const objects = await kubectl(api, ["apply", "-f", yamlFile("chart.yaml", chart.objects)]);
    expect(objects.stderr).toBe("");
    expect(objects.code).toBe(0);
    for (const o of chart.objects) expect(api.get(o.apiVersion, o.kind, o.metadata.name, o.metadata.namespace), `${o.kind}/${o.metadata.name}`).toBeDefined();
    // The injector found its webhook configuration and wrote its CA into it.
    await eventually(() => {
      const hook = api.get("admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration", "dapr-ts-sidecar-injector");
      return (hook?.webhooks as { clientConfig: { caBundle?: string } }[] | undefined)?.[0]?.clientConfig.caBundle;
    }, 20_000, "caBundle in the chart's webhook configuration");
    operator = await startOperatorFor(api, { namespace: ns });
    await operator.operator.synced;
  }, 30_000);
});

describe("dapr.io resources from Dapr's documentation", () => {
  it("stores them with kubectl apply and reconciles them to Ready", async () => {
    const r = await kubectl(api, ["apply", "-f", path.join(fixtures, "docs-redis-statestore.yaml"), "-f", path.join(fixtures, "docs-redis-pubsub.yaml"), "-f", path.join(fixtures, "docs-resiliency.yaml")]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("component.dapr.io/statestore created");
    expect(r.stdout).toContain("resiliency.dapr.io/myresiliency created");
    await waitForReady(api, "Component", "statestore", "True");
    await waitForReady(api, "Component", "redis-pubsub", "True");
    await waitForReady(api, "Resiliency", "myresiliency", "True");
    const table = await kubectl(api, ["get", "components"]);
    expect(table.stdout).toMatch(/^NAME\s+TYPE\s+.*READY/m);
    expect(table.stdout).toMatch(/^statestore\s+state\.redis\s+.*True/m);
  });

  it("marks an unknown type and an unparsable duration Ready=False, visible in kubectl get", async () => {
    const r = await kubectl(api, ["apply", "-f", path.join(fixtures, "invalid-resources.yaml")]);
    expect(r.code).toBe(0);
    const comp = await waitForReady(api, "Component", "cassandra-store", "False");
    expect(comp.reason).toBe("UnknownType");
    const res = await waitForReady(api, "Resiliency", "slow-policy", "False");
    expect(res.reason).toBe("InvalidPolicy");

    const table = await kubectl(api, ["get", "components"]);
    expect(table.stdout).toMatch(/^cassandra-store\s+state\.cassandra\s+.*False/m);
    // What `kubectl get -o yaml` shows the user (parsed: kubectl folds long lines).
    const yaml = await kubectl(api, ["get", "component", "cassandra-store", "-o", "yaml"]);
    const shown = readyCondition(parseYaml(yaml.stdout) as KubeObject);
    expect(shown).toMatchObject({ status: "False", reason: "UnknownType", message: expect.stringContaining("unknown component type 'state.cassandra'") });
    const resYaml = await kubectl(api, ["get", "resiliency", "slow-policy", "-o", "yaml"]);
    expect(readyCondition(parseYaml(resYaml.stdout) as KubeObject)).toMatchObject({ reason: "InvalidPolicy", message: expect.stringContaining("spec.policies.timeouts.general") });
  });

  it("shows the field path when the schema rejects an object", async () => {
    const bad = { apiVersion: "dapr.io/v1alpha1", kind: "Component", metadata: { name: "not-a-list" }, spec: { type: "state.redis", version: "v1", metadata: "redisHost=localhost" } };
    const r = await kubectl(api, ["apply", "-f", yamlFile("bad-schema.yaml", [bad])]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("spec.metadata");
    expect(r.stderr).toMatch(/Invalid value|is invalid/);
    expect(api.get("dapr.io/v1alpha1", "Component", "not-a-list")).toBeUndefined();
  });
});

describe("workloads", () => {

  it("gives an annotated Deployment its dapr Service and pods with daprd; leaves an unannotated one untouched", async () => {
    const r = await kubectl(api, ["apply", "-f", yamlFile("apps.yaml", [app("checkout", { "dapr.io/enabled": "true", "dapr.io/app-id": "checkout", "dapr.io/app-port": "8080" }), app("legacy", {})])]);
    expect(r.code).toBe(0);
    const svc = await eventually(() => api.get("v1", "Service", "checkout-dapr", "default"), 15_000, "checkout-dapr Service");
    expect((svc.spec as { ports: { name: string }[] }).ports.map((p) => p.name)).toEqual(["dapr-http", "dapr-grpc", "dapr-internal", "dapr-metrics"]);
    const pods = await eventually(() => (podsOf("checkout").length === 2 ? podsOf("checkout") : undefined), 15_000, "checkout pods");
    for (const p of pods) {
      expect(containersOf(p)).toContain("daprd");
      expect(p.metadata.labels).toMatchObject({ "dapr.io/sidecar-injected": "true", "dapr.io/app-id": "checkout" });
    }
    const legacy = await eventually(() => (podsOf("legacy").length === 2 ? podsOf("legacy") : undefined), 15_000, "legacy pods");
    for (const p of legacy) expect(containersOf(p)).toEqual(["app"]);
    expect(api.get("v1", "Service", "legacy-dapr", "default")).toBeUndefined();
    const get = await kubectl(api, ["get", "service", "checkout-dapr", "-o", "jsonpath={.spec.clusterIP}"]);
    expect(get.stdout).toBe("None");
  });

  it("shows kubectl a warning for a pod with conflicting annotations, and still injects it", async () => {
    const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "clash", namespace: "default", annotations: { "dapr.io/enabled": "true", "dapr.io/app-id": "clash", "dapr.io/app-port": "3500" } }, spec: { containers: [{ name: "app", image: "example/app:1" }] } };
    const r = await kubectl(api, ["apply", "-f", yamlFile("clash.yaml", [pod])]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/Warning: .*dapr\.io\/app-port: 3500 is also the sidecar's dapr-http port/);
    expect(containersOf(api.get("v1", "Pod", "clash", "default")!)).toContain("daprd");
  });

  it("answers a malformed AdmissionReview with 400, and keeps serving", async () => {
    const dispatcher = new Agent({ connect: { rejectUnauthorized: false } });
    try {
      const res = await request(`https://127.0.0.1:${injectorPort}/mutate`, { method: "POST", dispatcher, headers: { "content-type": "application/json" }, body: "{\"kind\": \"AdmissionReview\", \"request\": 42" });
      expect(res.statusCode).toBe(400);
      await res.body.text();
      const health = await request(`https://127.0.0.1:${injectorPort}/healthz`, { dispatcher });
      expect(health.statusCode).toBe(200);
      await health.body.text();
    } finally {
      await dispatcher.close();
    }
  });
});

describe("operator robustness", () => {
  it("changes nothing when restarted mid-way", async () => {
    // Let every pending pass finish, then restart and compare every resourceVersion it could touch.
    const settled = () =>
      operator.operator.pending() === 0 &&
      [...api.list("dapr.io/v1alpha1", "Component"), ...api.list("dapr.io/v1alpha1", "Resiliency")].every((o) => (o.status as { observedGeneration?: number } | undefined)?.observedGeneration === o.metadata.generation);
    await eventually(settled, 15_000, "the operator idle with every object judged");
    await new Promise((r) => setTimeout(r, 300));
    await eventually(settled, 15_000, "the operator still idle");
    const before = snapshot();
    expect(await operator.stop()).toBe(0);
    operator = await startOperatorFor(api, { namespace: ns, identity: "operator-restarted" });
    await operator.operator.synced;
    await eventually(() => operator.operator.isLeader(), 15_000, "the restarted operator leading");
    // A new leader passes over every key once: wait for at least that many passes and an empty queue.
    const keys = api.list("dapr.io/v1alpha1", "Component").length + api.list("dapr.io/v1alpha1", "Resiliency").length + api.list("apps/v1", "Deployment").length;
    await eventually(() => operator.operator.passes() >= keys && operator.operator.pending() === 0, 15_000, "a pass over every key");
    await new Promise((r) => setTimeout(r, 200));
    expect(snapshot()).toEqual(before);
  });

  it("loses no event while its watches are cut", async () => {
    await eventually(() => api.openWatches() >= 7, 15_000, "the operator's watches");
    expect(api.dropWatches()).toBeGreaterThanOrEqual(7);
    // Created while no watch is open.
    await api.create({ apiVersion: "dapr.io/v1alpha1", kind: "Component", metadata: { name: "while-cut", namespace: "default" }, spec: { type: "state.in-memory", version: "v1", metadata: [] } });
    await api.create(app("during-cut", { "dapr.io/enabled": "true" }) as KubeObject);
    expect(api.openWatches()).toBeLessThan(7); // the creates really happened while (most) watches were down
    await waitForReady(api, "Component", "while-cut", "True");
    await eventually(() => api.get("v1", "Service", "during-cut-dapr", "default"), 15_000, "Service of a Deployment created during the cut");
    expect(readyCondition(api.get("dapr.io/v1alpha1", "Component", "statestore", "default"))?.status).toBe("True");
  });
});
