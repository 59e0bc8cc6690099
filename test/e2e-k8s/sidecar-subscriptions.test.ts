// Declarative Subscriptions of both versions, read by the Kubernetes-mode
// sidecar from the API server (applied with kubectl), honouring scopes, and
// delivering a published event to the app's route.
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../kube-api/test-client.js";
import { startKubeApi, type KubeApi } from "../kube-api/server.js";
import { freePort, uniqueName } from "../support/services.js";
import type { SidecarProcess } from "../support/sidecar-process.js";
import { apply, createNamespace, installDaprCrds, startK8sSidecar } from "./sidecar-k8s-support.js";

let api: KubeApi;
let app: http.Server;
let appPort: number;
let sc: SidecarProcess | undefined;
const received: { path: string; body: unknown }[] = [];

beforeAll(async () => {
  api = await startKubeApi({ controllers: false });
  await installDaprCrds(api);
  appPort = await freePort();
  app = http.createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      if (req.url === "/dapr/subscribe") {
        res.setHeader("content-type", "application/json");
        return res.end("[]");
      }
      if (req.method === "POST") received.push({ path: req.url ?? "", body: body ? JSON.parse(body) : undefined });
      res.setHeader("content-type", "application/json");
      res.end('{"status":"SUCCESS"}');
    });
  });
  await new Promise<void>((r) => app.listen(appPort, "127.0.0.1", () => r()));
}, 60_000);

afterAll(async () => {
  await sc?.stop();
  await new Promise<void>((r) => app?.close(() => r()));
  await api?.stop();
});

interface Meta {
  subscriptions: { pubsubname: string; topic: string; rules: { match: string; path: string }[]; type: string }[];
}

describe("Subscriptions in Kubernetes mode", () => {
  it("reads v1alpha1 and v2alpha1 Subscriptions, skips scoped-out ones, and delivers to the route", async () => {
    const ns = uniqueName("k8s-subs").toLowerCase().slice(0, 50);
    await createNamespace(api, ns);
    await apply(api, ns, `
apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: pubsub
spec:
  type: pubsub.in-memory
  version: v1
  metadata: []
---
apiVersion: dapr.io/v1alpha1
kind: Subscription
metadata:
  name: orders-v1
spec:
  pubsubname: pubsub
  topic: orders
  route: /orders
---
apiVersion: dapr.io/v2alpha1
kind: Subscription
metadata:
  name: shipments-v2
spec:
  pubsubname: pubsub
  topic: shipments
  routes:
    rules:
    - match: event.type == "express"
      path: /express
    default: /shipments
---
apiVersion: dapr.io/v2alpha1
kind: Subscription
metadata:
  name: not-mine
spec:
  pubsubname: pubsub
  topic: secret-topic
  routes:
    default: /nope
scopes:
- another-app
`);
    sc = await startK8sSidecar({ namespace: ns, kubeconfigPath: api.kubeconfigPath, appId: "subscriber", args: ["--app-port", String(appPort)] });
    const subs = await eventually(async () => {
      const m = (await (await sc!.http("/v1.0/metadata")).json()) as Meta;
      return m.subscriptions.length >= 2 ? m.subscriptions : undefined;
    }, 10_000, "the declarative subscriptions");
    const byTopic = Object.fromEntries(subs.map((s) => [s.topic, s]));
    expect(Object.keys(byTopic).sort()).toEqual(["orders", "shipments"]);
    expect(byTopic["orders"]).toMatchObject({ pubsubname: "pubsub", type: "DECLARATIVE", rules: [{ path: "/orders" }] });
    expect(byTopic["shipments"]!.rules).toEqual(expect.arrayContaining([expect.objectContaining({ match: 'event.type == "express"', path: "/express" }), expect.objectContaining({ path: "/shipments" })]));

    const published = await sc.http("/v1.0/publish/pubsub/orders", { method: "POST", headers: { "content-type": "application/json" }, body: '{"id":42}' });
    expect(published.status).toBe(204);
    const got = await eventually(() => received.find((r) => r.path === "/orders"), 10_000, "the delivered event");
    expect(got.body).toMatchObject({ topic: "orders", data: { id: 42 } });
  }, 40_000);
});
