// Several machines: sidecars that share no local registry find each other
// through the Redis named by the Configuration's nameResolution.
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSidecar, type SidecarProcess } from "../support/sidecar-process.js";
import { services, uniqueName } from "../support/services.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

describe("name resolution through Redis", () => {
  let app: TestApp;
  const sidecars: SidecarProcess[] = [];
  const calleeId = uniqueName("remote-inventory");
  let config: string;

  beforeAll(async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "dapr-ts-nr-"));
    config = path.join(dir, "config.yaml");
    writeFileSync(config, `apiVersion: dapr.io/v1alpha1
kind: Configuration
metadata: { name: redis-nr }
spec:
  nameResolution:
    component: redis
    configuration:
      redisHost: "${services.redis.host}:${services.redis.port}"
`);
    app = await startTestApp({ "/stock": () => ({ body: { available: true } }) });
    // Separate data homes: as on two machines, the local registry cannot help.
    sidecars.push(await startSidecar({ appId: calleeId, args: ["--app-port", String(app.port), "--config", config], env: { DAPR_TS_HOME: mkdtempSync(path.join(os.tmpdir(), "m1-")) } }));
  });
  afterAll(async () => {
    for (const s of sidecars) await s.stop();
    await app?.close();
  });

  it("invokes an app registered by a sidecar on another 'machine'", async () => {
    const caller = await startSidecar({ appId: uniqueName("orders"), args: ["--config", config], env: { DAPR_TS_HOME: mkdtempSync(path.join(os.tmpdir(), "m2-")) } });
    sidecars.push(caller);
    const r = await caller.http(`/v1.0/invoke/${calleeId}/method/stock`, { method: "POST", body: "{}" });
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ available: true });
  });

  it("cannot find it without the shared Redis (the local registry is per machine)", async () => {
    const isolated = await startSidecar({ appId: uniqueName("orders"), env: { DAPR_TS_HOME: mkdtempSync(path.join(os.tmpdir(), "m3-")) } });
    sidecars.push(isolated);
    const r = await isolated.http(`/v1.0/invoke/${calleeId}/method/stock`, { method: "POST", body: "{}" });
    expect(r.status).toBe(500);
  });
});
