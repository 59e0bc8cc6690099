// The whole Kubernetes path end to end (issue 7, item 5): the chart applied
// with kubectl to the API double, the injector serving as the chart's
// mutating webhook, the operator running; Components, a Resiliency and a
// Subscription applied with kubectl; two annotated Deployments whose pods get
// the daprd container from the webhook and are run by a test kubelet as local
// processes (the real `dapr-ts sidecar --mode kubernetes`, with the args the
// injector wrote). The order app saves state, invokes the inventory app by
// app id and publishes an event the inventory app receives; then a Component
// edited with `kubectl apply` is picked up by the running sidecar.
// Needs the compiled CLI (`npx tsc -p tsconfig.build.json`).
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { stringify as toYaml } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main as injectorMain } from "../../injector/main.js";
import type { RunningInjectorServer } from "../../injector/server.js";
import { renderChart } from "../chart/render.js";
import { kubectl } from "../kube-api/kubectl.js";
import { startKubeApi, type KubeApi } from "../kube-api/server.js";
import { eventually } from "../kube-api/test-client.js";
import { cliPath } from "../support/sidecar-process.js";
import { uniqueName } from "../support/services.js";
import { startOperatorFor, waitForReady, type OperatorHandle } from "./operator-harness.js";
import { TestKubelet, type RunningPod } from "./test-kubelet.js";

const fixtures = fileURLToPath(new URL("./fixtures/whole-path/", import.meta.url));
const tmp = mkdtempSync(path.join(os.tmpdir(), "whole-path-"));
const system = "dapr-system";
const run = uniqueName("wp").toLowerCase().replace(/[^a-z0-9-]/g, "-");
const prefixBefore = `orders-a-${run}`;
const prefixAfter = `orders-b-${run}`;
const sidecarImage = "dapr-ts:latest";

let api: KubeApi;
let injector: { stop: () => Promise<number> } | undefined;
let injectorPort = 0;
let operator: OperatorHandle | undefined;
let kubelet: TestKubelet | undefined;
const redis = new Redis({ host: "127.0.0.1", port: 6379, lazyConnect: true });

/** A fixture with this run's names filled in. */
function fixture(name: string, keyPrefix = prefixBefore): string {
  return readFileSync(path.join(fixtures, name), "utf8").replaceAll("__RUN__", run).replaceAll("__KEY_PREFIX__", keyPrefix);
}

async function apply(yaml: string): Promise<string> {
  const r = await kubectl(api, ["apply", "-f", "-"], yaml);
  if (r.code !== 0) throw new Error(`kubectl apply failed: ${r.stderr}`);
  return r.stdout;
}

async function startInjector(): Promise<void> {
  const ac = new AbortController();
  let exited!: Promise<number>;
  await new Promise<void>((resolve, reject) => {
    exited = injectorMain(["--port", "0", "--healthz-port", "0", "--metrics-port", "0", "--namespace", system, "--kubeconfig", api.kubeconfigPath, "--log-level", "error"], {
      env: {},
      signal: ac.signal,
      onReady: (s: RunningInjectorServer) => ((injectorPort = s.port), resolve()),
    });
    exited.then((code) => reject(new Error(`injector exited early with ${code}`)), reject);
  });
  injector = { stop: async () => (ac.abort(), exited) };
}

function podOf(app: string): RunningPod | undefined {
  return kubelet!.running().find((p) => p.labels.app === app);
}

/** Fails with the pod's own output when it does not come up. */
async function waitHealthy(app: string): Promise<RunningPod> {
  const pod = await eventually(() => podOf(app), 30_000, `a running ${app} pod`);
  try {
    await eventually(async () => {
      if (pod.error) throw new Error(`${app}: ${pod.error}`);
      if (pod.containers.length === 0) return undefined; // still starting
      const res = await fetch(`http://127.0.0.1:${kubelet!.portOf(pod, 3500)}/v1.0/healthz`).catch(() => undefined);
      return res?.status === 204 || undefined;
    }, 40_000, `${app}'s sidecar healthy`);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${pod.containers.map((c) => `--- ${c.name}\n${c.output()}`).join("\n")}`);
  }
  return pod;
}

async function placeOrder(pod: RunningPod, order: { id: string; item: string; quantity: number }): Promise<Response> {
  return fetch(`http://127.0.0.1:${kubelet!.portOf(pod, 3000)}/orders`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(order) });
}

beforeAll(async () => {
  await redis.connect();
  api = await startKubeApi({ namespaces: [system], resolveService: () => `127.0.0.1:${injectorPort}` });
  await startInjector();
  const chart = await renderChart({ namespace: system });
  for (const [file, docs] of [["crds.yaml", chart.crds], ["chart.yaml", chart.objects]] as const) {
    const p = path.join(tmp, file);
    writeFileSync(p, docs.map((d) => toYaml(d)).join("---\n"));
    const r = await kubectl(api, ["apply", "-f", p]);
    if (r.code !== 0) throw new Error(`applying the chart failed: ${r.stderr}`);
  }
  // The webhook only answers once the injector has written its CA into the chart's configuration.
  await eventually(() => {
    const hook = api.get("admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration", "dapr-ts-sidecar-injector");
    return (hook?.webhooks as { clientConfig: { caBundle?: string } }[] | undefined)?.[0]?.clientConfig.caBundle;
  }, 20_000, "caBundle in the chart's webhook configuration");
  operator = await startOperatorFor(api, { namespace: system });
  await operator.operator.synced;

  const dnsFile = path.join(tmp, "cluster-dns.json");
  kubelet = new TestKubelet({
    api,
    dnsFile,
    images: {
      [sidecarImage]: [process.execPath, cliPath],
      "example/order-service:1": [process.execPath, path.join(fixtures, "order-app.mjs")],
      "example/inventory-service:1": [process.execPath, path.join(fixtures, "inventory-app.mjs")],
    },
    imageEnv: {
      [sidecarImage]: {
        KUBECONFIG: api.kubeconfigPath,
        // Cluster DNS: the kubelet's table of Service addresses (kubernetes-resolver.ts: hostsFileLookup).
        DAPR_TS_K8S_HOSTS_FILE: dnsFile,
      },
    },
  });
  await kubelet.start();
}, 90_000);

afterAll(async () => {
  await kubelet?.stop();
  await operator?.stop();
  await injector?.stop();
  await api?.stop();
  const keys = await redis.keys(`orders-?-${run}||*`).catch(() => [] as string[]);
  if (keys.length) await redis.del(...keys);
  await redis.del(`orders-${run}`).catch(() => 0);
  redis.disconnect();
}, 30_000);

describe("an order through two annotated Deployments", () => {
  it("applies the Components, Resiliency and Subscription with kubectl and the operator marks them Ready", async () => {
    const out = await apply([fixture("components.yaml"), fixture("resiliency.yaml"), fixture("subscription.yaml")].join("---\n"));
    expect(out).toContain("component.dapr.io/statestore created");
    expect(out).toContain("component.dapr.io/orderpubsub created");
    expect(out).toContain("resiliency.dapr.io/order-resiliency created");
    expect(out).toContain("subscription.dapr.io/order-events created");
    await waitForReady(api, "Component", "statestore", "True");
    await waitForReady(api, "Component", "orderpubsub", "True");
    await waitForReady(api, "Resiliency", "order-resiliency", "True");
  });

  it("gets the daprd container from the webhook in each pod, and the kubelet runs both containers", async () => {
    await apply(fixture("deployments.yaml"));
    for (const app of ["order-service", "inventory-service"]) {
      const pod = await waitHealthy(app);
      expect(pod.containers.map((c) => c.image).sort()).toEqual([sidecarImage, `example/${app}:1`].sort());
      const stored = api.get("v1", "Pod", pod.name, "default")!;
      const spec = stored.spec as { containers: { name: string; args?: string[] }[]; initContainers?: { name: string; args?: string[] }[] };
      const daprd = [...(spec.initContainers ?? []), ...spec.containers].find((c) => c.name === "daprd");
      expect(daprd?.args).toEqual(expect.arrayContaining(["--mode", "kubernetes", "--app-id", app]));
    }
  }, 90_000);

  it("reports a pod whose image has no local command, naming the image", async () => {
    await apply(toYaml({
      apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "stray" },
      spec: { replicas: 1, selector: { matchLabels: { app: "stray" } }, template: { metadata: { labels: { app: "stray" } }, spec: { containers: [{ name: "app", image: "example/unknown:1" }] } } },
    }));
    const pod = await eventually(() => podOf("stray")?.error, 30_000, "the stray pod's error");
    expect(pod).toBe("no local command for image 'example/unknown:1' (container app)");
  }, 40_000);

  it("saves state, invokes the inventory app by app id and delivers the event to it", async () => {
    const orders = podOf("order-service")!;
    const inventory = podOf("inventory-service")!;
    const res = await placeOrder(orders, { id: "order-1", item: "widget", quantity: 3 });
    const body = await res.text();
    expect(res.status, body).toBe(200);
    expect(JSON.parse(body)).toEqual({ saved: "order-1", reservation: { reserved: 3, item: "widget", by: inventory.name } });
    // The state landed in Redis under Dapr's key layout with the Component's keyPrefix.
    expect(await redis.exists(`${prefixBefore}||order-1`)).toBe(1);
    const events = await eventually(async () => {
      const list = (await (await fetch(`http://127.0.0.1:${kubelet!.portOf(inventory, 3000)}/events`)).json()) as { data: { id: string }; topic: string; pubsubname: string }[];
      return list.length > 0 ? list : undefined;
    }, 15_000, "the order event at the inventory app");
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ topic: `orders-${run}`, pubsubname: "orderpubsub", data: { id: "order-1", item: "widget", quantity: 3 } });
  }, 30_000);

  it("uses a Component edited with kubectl apply without restarting the sidecar", async () => {
    const orders = podOf("order-service")!;
    const daprd = orders.containers.find((c) => c.image === sidecarImage)!;
    const pid = daprd.proc.pid;
    const out = await apply(fixture("components.yaml", prefixAfter));
    expect(out).toContain("component.dapr.io/statestore configured");
    // Each attempt saves a fresh key; the reload is done once one lands under the new prefix.
    let n = 1;
    const key = await eventually(async () => {
      const id = `order-${++n}`;
      const res = await placeOrder(orders, { id, item: "gadget", quantity: 1 });
      if (res.status !== 200) return undefined;
      return (await redis.exists(`${prefixAfter}||${id}`)) === 1 ? id : undefined;
    }, 15_000, "a save under the edited keyPrefix");
    expect(await redis.exists(`${prefixBefore}||${key}`)).toBe(0);
    expect(daprd.proc.pid).toBe(pid);
    expect(daprd.proc.exitCode).toBeNull();
  }, 30_000);
});
