// Declarative Subscription resources (v1alpha1 and v2alpha1, scopes, a bad CEL
// rule reported while the others load) and app health checks pausing delivery.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSidecar, type SidecarProcess } from "../support/sidecar-process.js";
import { uniqueName } from "../support/services.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

async function until(fn: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("declarative subscriptions and app health", () => {
  let app: TestApp;
  let sidecar: SidecarProcess;
  let healthy = true;
  const appId = uniqueName("decl");
  const received = (route: string) => app.seen.filter((s) => s.url === route && s.method === "POST").map((s) => JSON.parse(s.body.toString()).data);

  beforeAll(async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "dapr-ts-decl-"));
    mkdirSync(path.join(dir, "res"));
    writeFileSync(path.join(dir, "res", "subs.yaml"), `apiVersion: dapr.io/v1alpha1
kind: Subscription
metadata: { name: v1-sub }
spec: { pubsubname: pubsub, topic: v1topic, route: /v1 }
---
apiVersion: dapr.io/v2alpha1
kind: Subscription
metadata: { name: v2-sub }
spec:
  pubsubname: pubsub
  topic: v2topic
  routes:
    rules:
      - match: event.data.kind == "big"
        path: /big
    default: /small
---
apiVersion: dapr.io/v2alpha1
kind: Subscription
metadata: { name: broken-rule }
spec:
  pubsubname: pubsub
  topic: broken
  routes:
    rules:
      - match: event.data.kind ==
        path: /never
---
apiVersion: dapr.io/v1alpha1
kind: Subscription
metadata: { name: other-app }
spec: { pubsubname: pubsub, topic: scoped, route: /scoped }
scopes: [someone-else]
---
apiVersion: dapr.io/v1alpha1
kind: Component
metadata: { name: pubsub }
spec: { type: pubsub.in-memory, version: v1, metadata: [] }
`);
    app = await startTestApp({
      "/healthz": () => ({ status: healthy ? 200 : 503 }),
      "/v1": () => ({ body: { status: "SUCCESS" } }),
      "/big": () => ({ body: { status: "SUCCESS" } }),
      "/small": () => ({ body: { status: "SUCCESS" } }),
    });
    sidecar = await startSidecar({
      appId,
      resourcesPaths: [path.join(dir, "res")],
      args: ["--app-port", String(app.port), "--enable-app-health-check", "--app-health-probe-interval", "1", "--app-health-threshold", "1", "--app-health-probe-timeout", "200"],
    });
  });
  afterAll(async () => {
    await sidecar?.stop();
    await app?.close();
  });

  const publish = (topic: string, data: unknown) =>
    sidecar.http(`/v1.0/publish/pubsub/${topic}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(data) });

  it("delivers to v1alpha1 and v2alpha1 subscriptions with routing rules", async () => {
    expect((await publish("v1topic", { n: 1 })).status).toBe(204);
    await publish("v2topic", { kind: "big" });
    await publish("v2topic", { kind: "small" });
    await until(() => received("/v1").length === 1 && received("/big").length === 1 && received("/small").length === 1);
  });

  it("reports the subscription with an invalid CEL rule by file and name, and skips scoped-out ones", async () => {
    expect(sidecar.logs()).toMatch(/subs\.yaml.*broken-rule.*invalid CEL/s);
    const md = (await (await sidecar.http("/v1.0/metadata")).json()) as { subscriptions: { topic: string; type: string }[] };
    expect(md.subscriptions.map((s) => s.topic).sort()).toEqual(["v1topic", "v2topic"]);
    expect(md.subscriptions.every((s) => s.type === "DECLARATIVE")).toBe(true);
  });

  it("pauses delivery while the app is unhealthy and resumes after", async () => {
    healthy = false;
    await until(() => /app is unhealthy/.test(sidecar.logs()));
    await publish("v1topic", { n: 2 });
    await new Promise((r) => setTimeout(r, 500));
    expect(received("/v1").map((d: { n: number }) => d.n)).toEqual([1]);
    healthy = true;
    await until(() => /app is healthy again/.test(sidecar.logs()));
    // In-memory messages published while nobody was subscribed are gone; new ones flow again.
    await publish("v1topic", { n: 3 });
    await until(() => received("/v1").some((d: { n: number }) => d.n === 3));
  });
});
