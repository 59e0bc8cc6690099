// Resiliency policies around service invocation, observed at the target app:
// retries counted exactly, a circuit breaker that opens, fails fast, half-opens
// and closes, a timeout that cuts a slow call; and the seed's resiliency.yaml loading.
import { copyFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { seedResiliencyPath } from "../../demo/demo-resources.js";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSidecar, type SidecarProcess } from "../support/sidecar-process.js";
import { uniqueName } from "../support/services.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

describe("resiliency around service invocation", () => {
  let home: string;
  let target: TestApp;
  let targetSidecar: SidecarProcess;
  let caller: SidecarProcess;
  const targetId = uniqueName("payment");
  // A second app id for the same app, with only a circuit breaker: retries would mask its counting.
  const breakerId = uniqueName("breaker");
  let breakerSidecar: SidecarProcess;
  const expId = uniqueName("exp");
  let expSidecar: SidecarProcess;
  let failing = true;

  beforeAll(async () => {
    home = mkdtempSync(path.join(os.tmpdir(), "dapr-ts-res-"));
    const resources = path.join(home, "resources");
    const { mkdirSync } = await import("node:fs");
    mkdirSync(resources);
    writeFileSync(path.join(resources, "resiliency.yaml"), `apiVersion: dapr.io/v1alpha1
kind: Resiliency
metadata: { name: test-resiliency }
spec:
  policies:
    timeouts:
      short: 300ms
    retries:
      constantRetry: { policy: constant, duration: 20ms, maxRetries: 3, matching: { httpStatusCodes: "500-599" } }
      expRetry: { policy: exponential, maxInterval: 100ms, maxRetries: 2 }
    circuitBreakers:
      breaker: { maxRequests: 1, interval: 0s, timeout: 1s, trip: consecutiveFailures >= 3 }
  targets:
    apps:
      ${targetId}:
        timeout: short
        retry: constantRetry
      ${breakerId}:
        circuitBreaker: breaker
      ${expId}:
        retry: expRetry
`);
    // The seed's file, unchanged, beside it: it must load without errors.
    copyFileSync(seedResiliencyPath, path.join(resources, "seed-resiliency.yaml"));
    target = await startTestApp({
      "/retry-me": () => ({ status: 503, body: "busy" }),
      "/not-found": () => ({ status: 404, body: "no" }),
      "/slow": () => ({ body: "late", delayMs: 2000 }),
      "/flaky": () => (failing ? { status: 500, body: "down" } : { body: "up" }),
    });
    targetSidecar = await startSidecar({ appId: targetId, args: ["--app-port", String(target.port)], env: { DAPR_TS_HOME: home } });
    breakerSidecar = await startSidecar({ appId: breakerId, args: ["--app-port", String(target.port)], env: { DAPR_TS_HOME: home } });
    expSidecar = await startSidecar({ appId: expId, args: ["--app-port", String(target.port)], env: { DAPR_TS_HOME: home } });
    caller = await startSidecar({ appId: "orders", resourcesPaths: [resources], env: { DAPR_TS_HOME: home } });
  });
  afterAll(async () => {
    await caller?.stop();
    await targetSidecar?.stop();
    await breakerSidecar?.stop();
    await expSidecar?.stop();
    await target?.close();
  });

  const calls = (p: string) => target.seen.filter((s) => s.url === p).length;

  it("loads the seed's resiliency.yaml without errors", () => {
    expect(caller.logs()).not.toMatch(/resiliency policy skipped/);
  });

  it("retries a matching status exactly maxRetries times, then returns the app's answer", async () => {
    const r = await caller.http(`/v1.0/invoke/${targetId}/method/retry-me`);
    expect(r.status).toBe(503);
    expect(await r.text()).toBe("busy");
    expect(calls("/retry-me")).toBe(4);
  });

  it("retries with an exponential policy exactly maxRetries times", async () => {
    target.routes.set("/exp", () => ({ status: 500, body: "nope" }));
    const r = await caller.http(`/v1.0/invoke/${expId}/method/exp`);
    expect(r.status).toBe(500);
    expect(calls("/exp")).toBe(3);
  });

  it("does not retry a status the policy does not match", async () => {
    const r = await caller.http(`/v1.0/invoke/${targetId}/method/not-found`);
    expect(r.status).toBe(404);
    expect(calls("/not-found")).toBe(1);
  });

  it("cuts a slow call at the timeout", async () => {
    const start = Date.now();
    const r = await caller.http(`/v1.0/invoke/${targetId}/method/slow`);
    expect(r.status).toBe(500);
    expect(((await r.json()) as { errorCode: string }).errorCode).toBe("ERR_DIRECT_INVOKE");
    // Four attempts of 300 ms plus three 20 ms waits; far below the app's 2 s per call.
    expect(Date.now() - start).toBeLessThan(1900);
  });

  it("opens the breaker after the trip expression holds, fails fast, half-opens after the timeout and closes on success", async () => {
    failing = true;
    // The breaker is per endpoint (app and method); three failed calls trip it.
    for (let i = 0; i < 3; i++) expect((await caller.http(`/v1.0/invoke/${breakerId}/method/flaky`)).status).toBe(500);
    const before = calls("/flaky");
    expect(before).toBe(3);
    const open = await caller.http(`/v1.0/invoke/${breakerId}/method/flaky`);
    expect(open.status).toBe(500);
    expect(calls("/flaky")).toBe(before);
    failing = false;
    await new Promise((r) => setTimeout(r, 1100));
    const half = await caller.http(`/v1.0/invoke/${breakerId}/method/flaky`);
    expect(half.status).toBe(200);
    const closed = await caller.http(`/v1.0/invoke/${breakerId}/method/flaky`);
    expect(closed.status).toBe(200);
    expect(calls("/flaky")).toBe(before + 2);
  });
});
