import { describe, it, expect, beforeAll, afterAll } from "vitest";
import http from "node:http";
import https from "node:https";
import { startInjectorServer, type RunningInjectorServer } from "./server.js";
import { createCa, issueServingCert, servingDnsNames, type KeyPairPem } from "./certs/generate.js";
import { defaultPatchConfig } from "./patch/sidecar-patch-config.js";
import { loadReview } from "./patch/fixtures/load-fixture.js";
import { silentLogger } from "../sidecar/log/logger.js";
import { freePort } from "../test/support/services.js";

let ca: KeyPairPem;
let server: RunningInjectorServer;
const servername = "dapr-ts-sidecar-injector.dapr-system.svc";

interface Reply { status: number; type: string; body: string }

function request(method: string, path: string, body?: string | Buffer, contentType = "application/json"): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: "127.0.0.1", port: server.port, servername, ca: ca.certPem, method, path, agent: false,
      headers: body !== undefined ? { "content-type": contentType, "content-length": Buffer.byteLength(body) } : {},
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode!, type: String(res.headers["content-type"] ?? ""), body: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

function plainGet(port: number, path: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    http.get({ host: "127.0.0.1", port, path, agent: false }, (res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode!, type: String(res.headers["content-type"] ?? ""), body }));
    }).on("error", reject);
  });
}

/** The value of one sample line of the Prometheus text, 0 when absent. */
function sample(metrics: string, line: string): number {
  const found = metrics.split("\n").find((l) => l.startsWith(line + " "));
  return found ? Number(found.slice(line.length + 1)) : 0;
}

beforeAll(async () => {
  ca = createCa();
  const tls = issueServingCert(ca, servingDnsNames("dapr-ts-sidecar-injector", "dapr-system"));
  server = await startInjectorServer({
    port: 0,
    host: "127.0.0.1",
    tls: { key: tls.keyPem, cert: tls.certPem },
    deps: { patchConfig: defaultPatchConfig(), auth: { restrictToControllers: false, allowedServiceAccounts: [], allowedServiceAccountPrefixes: [] } },
    logger: silentLogger,
  });
});

afterAll(async () => {
  await server?.close();
});

describe("injector server over HTTPS", () => {
  it("mutates a pod review: uid echoed, JSONPatch, base64 patch", async () => {
    const review = loadReview("deployment-pod-review.json");
    const r = await request("POST", "/mutate", JSON.stringify(review));
    expect(r.status).toBe(200);
    expect(r.type).toContain("application/json");
    const out = JSON.parse(r.body);
    expect(out).toMatchObject({ apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", response: { uid: review.request.uid, allowed: true, patchType: "JSONPatch" } });
    const patch = JSON.parse(Buffer.from(out.response.patch, "base64").toString("utf8"));
    expect(patch.some((o: { path: string; value: { name?: string } }) => o.path === "/spec/containers/-" && o.value.name === "daprd")).toBe(true);
  });

  it("answers 400 with a clear message for malformed reviews, and keeps serving", async () => {
    const bad = await request("POST", "/mutate", "{not json");
    expect(bad.status).toBe(400);
    expect(bad.body).toMatch(/^malformed AdmissionReview: invalid JSON/);
    const noReq = await request("POST", "/mutate", JSON.stringify({ apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview" }));
    expect(noReq.status).toBe(400);
    expect(noReq.body).toBe("malformed AdmissionReview: request is missing");
    const empty = await request("POST", "/mutate", "");
    expect(empty.status).toBe(400);
    expect(empty.body).toMatch(/empty body/);
    const wrongType = await request("POST", "/mutate", "x=1", "application/x-www-form-urlencoded");
    expect(wrongType.status).toBe(415);
    expect(wrongType.body).toMatch(/expected application\/json/);
    // Still alive and answering.
    expect((await request("GET", "/healthz")).status).toBe(200);
  });

  it("rejects an oversized review with 413, not a crash", async () => {
    const huge = JSON.stringify({ pad: "x".repeat(17 * 1024 * 1024) });
    const r = await request("POST", "/mutate", huge);
    expect(r.status).toBe(413);
    expect((await request("GET", "/readyz")).status).toBe(200);
  });

  it("serves /healthz and /readyz", async () => {
    expect(await request("GET", "/healthz")).toMatchObject({ status: 200, body: "ok" });
    expect(await request("GET", "/readyz")).toMatchObject({ status: 200, body: "ready" });
    expect((await request("GET", "/nope")).status).toBe(404);
  });

  it("counts requests, successes and failures under Dapr's metric names", async () => {
    const before = (await request("GET", "/metrics")).body;
    const review = loadReview("bare-pod-review.json");
    await request("POST", "/mutate", JSON.stringify(review));
    await request("POST", "/mutate", "[]");
    const after = await request("GET", "/metrics");
    expect(after.status).toBe(200);
    expect(after.type).toContain("text/plain");
    const delta = (line: string) => sample(after.body, line) - sample(before, line);
    expect(delta("dapr_injector_sidecar_injection_requests_total")).toBe(2);
    expect(delta('dapr_injector_sidecar_injection_succeeded_total{app_id="worker"}')).toBe(1);
    expect(delta('dapr_injector_sidecar_injection_failed_total{app_id="",reason="decode"}')).toBe(1);
  });
});

describe("injector server plain-HTTP ports", () => {
  it("serves health and metrics on their own ports, and stops cleanly", async () => {
    const tls = issueServingCert(ca, ["localhost"]);
    const s = await startInjectorServer({
      port: 0, host: "127.0.0.1", tls: { key: tls.keyPem, cert: tls.certPem },
      deps: { patchConfig: defaultPatchConfig(), auth: { restrictToControllers: false, allowedServiceAccounts: [], allowedServiceAccountPrefixes: [] } },
      logger: silentLogger,
      // 0 means "no such server", so take free ports.
      healthzPort: await freePort(),
      metricsPort: await freePort(),
    });
    expect(await plainGet(s.healthzPort!, "/readyz")).toMatchObject({ status: 200 });
    const m = await plainGet(s.metricsPort!, "/metrics");
    expect(m.body).toContain("dapr_injector_sidecar_injection_requests_total");
    await s.close();
    expect(s.health.ready).toBe(false);
    await expect(plainGet(s.healthzPort!, "/healthz")).rejects.toThrow();
  });
});
