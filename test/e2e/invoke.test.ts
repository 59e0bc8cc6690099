// Service invocation through two real sidecars: HTTP and gRPC (official SDK),
// status and body passed through, caller/callee headers, trace propagation,
// proxy mode, bad targets, access control.
import { CommunicationProtocolEnum, DaprClient, HttpMethod } from "@dapr/dapr";
import { mkdtempSync, writeFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as grpc from "@grpc/grpc-js";
import { daprProto, lookup } from "../../sidecar/api/grpc/protos.js";
import { InternalClients, toListMap } from "../../sidecar/building-blocks/invoke/internal-client.js";
import { startSidecar, type SidecarProcess } from "../support/sidecar-process.js";
import { freePort, uniqueName } from "../support/services.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

const quiet = { level: 0 as never };

function rawGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, path, method: "GET" }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode!, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

// Between two dapr-ts sidecars a call goes framed over TCP once the callee has said it takes it
// (call-local-frames-wire.ts); with DAPR_TS_INTERNAL_FRAMES=false both speak gRPC only, as Dapr's
// sidecars do. Every test runs both ways.
describe.each([
  ["framed calls between the sidecars", {}],
  ["gRPC between the sidecars", { DAPR_TS_INTERNAL_FRAMES: "false" }],
] as const)("service invocation between two sidecars (%s)", (_, transportEnv) => {
  let home: string;
  let callee: TestApp;
  let calleeSidecar: SidecarProcess;
  let callerSidecar: SidecarProcess;
  const calleeId = uniqueName("inventory");
  let calleeInternalPort: number;

  beforeAll(async () => {
    // Both sidecars share one data home: that is how they find each other on one machine.
    home = mkdtempSync(path.join(os.tmpdir(), "dapr-ts-invoke-"));
    const config = path.join(home, "config.yaml");
    writeFileSync(config, `apiVersion: dapr.io/v1alpha1
kind: Configuration
metadata: { name: acl }
spec:
  accessControl:
    defaultAction: allow
    policies:
      - appId: blocked-caller
        defaultAction: deny
        trustDomain: public
        namespace: default
`);
    callee = await startTestApp({
      "/check-stock": (r) => ({ body: { available: true, echo: JSON.parse(r.body.toString() || "{}") } }),
      "/teapot": () => ({ status: 418, body: "short and stout", headers: { "x-custom": "yes" } }),
      "GET /items/a%2Fb": () => ({ body: { encoded: true } }),
      "/echo-bytes": (r) => ({ body: r.body, headers: { "content-type": "application/octet-stream" } }),
    });
    calleeInternalPort = await freePort();
    calleeSidecar = await startSidecar({
      appId: calleeId,
      args: ["--app-port", String(callee.port), "--config", config, "--dapr-internal-grpc-port", String(calleeInternalPort)],
      env: { DAPR_TS_HOME: home, ...transportEnv },
    });
    callerSidecar = await startSidecar({ appId: "orders", env: { DAPR_TS_HOME: home, ...transportEnv } });
  });
  afterAll(async () => {
    await callerSidecar?.stop();
    await calleeSidecar?.stop();
    await callee?.close();
  });

  it("passes method, query, body and headers through and returns the callee's answer", async () => {
    const r = await callerSidecar.http(`/v1.0/invoke/${calleeId}/method/check-stock?sku=42`, {
      method: "POST", headers: { "content-type": "application/json", "x-trace-me": "1" }, body: JSON.stringify({ qty: 2 }),
    });
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ available: true, echo: { qty: 2 } });
    const seen = callee.seen.at(-1)!;
    expect(seen.url).toBe("/check-stock?sku=42");
    expect(seen.headers["dapr-caller-app-id"]).toBe("orders");
    expect(seen.headers["dapr-callee-app-id"]).toBe(calleeId);
    expect(seen.headers["x-trace-me"]).toBe("1");
    expect(seen.headers["traceparent"]).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
    expect(seen.headers["dapr-api-token"]).toBeUndefined();
  });

  it("answers alike whether the URL takes the direct route or express's (an app id to decode)", async () => {
    const plain = await callerSidecar.http(`/v1.0/invoke/${calleeId}/method/teapot`);
    const encoded = await callerSidecar.http(`/v1.0/invoke/${encodeURIComponent(calleeId).replace(/-/g, "%2D")}/method/teapot`);
    for (const r of [plain, encoded]) {
      expect(r.status).toBe(418);
      expect(r.headers.get("x-custom")).toBe("yes");
      expect(await r.text()).toBe("short and stout");
    }
    const unknown = [await callerSidecar.http("/v1.0/invoke/no-such-app/method/x"), await callerSidecar.http("/v1.0/invoke/no%2Dsuch-app/method/x")];
    const [a, b] = await Promise.all(unknown.map(async (r) => ({ status: r.status, body: await r.json() })));
    expect(b).toEqual(a);
    expect(a.status).toBe(500);
  });

  it("returns a non-2xx status and body unchanged", async () => {
    const r = await callerSidecar.http(`/v1.0/invoke/${calleeId}/method/teapot`);
    expect(r.status).toBe(418);
    expect(r.headers.get("x-custom")).toBe("yes");
    expect(await r.text()).toBe("short and stout");
  });

  it("keeps the caller's trace id", async () => {
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    await callerSidecar.http(`/v1.0/invoke/${calleeId}/method/check-stock`, { method: "POST", headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } });
    expect(String(callee.seen.at(-1)!.headers["traceparent"])).toContain(traceId);
  });

  it("supports proxy mode with the dapr-app-id header", async () => {
    const r = await callerSidecar.http("/check-stock", { method: "POST", headers: { "dapr-app-id": calleeId }, body: "{}" });
    expect(r.status).toBe(200);
    expect(((await r.json()) as { available: boolean }).available).toBe(true);
  });

  for (const protocol of [CommunicationProtocolEnum.HTTP, CommunicationProtocolEnum.GRPC]) {
    it(`works with the official SDK over ${protocol === CommunicationProtocolEnum.HTTP ? "HTTP" : "gRPC"}`, async () => {
      const client = new DaprClient({
        daprHost: "127.0.0.1",
        daprPort: String(protocol === CommunicationProtocolEnum.HTTP ? callerSidecar.httpPort : callerSidecar.grpcPort),
        communicationProtocol: protocol, logger: quiet,
      });
      const res = await client.invoker.invoke(calleeId, "check-stock", HttpMethod.POST, { product_id: "p1", quantity: 2 });
      expect(res).toMatchObject({ available: true, echo: { product_id: "p1", quantity: 2 } });
    });
  }

  describe("the InvokeService RPC", () => {
    let client: grpc.Client & Record<string, any>;
    beforeAll(() => {
      const Dapr = lookup<grpc.ServiceClientConstructor>(daprProto(), "dapr.proto.runtime.v1.Dapr");
      client = new Dapr(`127.0.0.1:${callerSidecar.grpcPort}`, grpc.credentials.createInsecure()) as grpc.Client & Record<string, any>;
    });
    afterAll(() => client?.close());
    const invokeService = (method: string, body: Buffer) => new Promise<{ data: Buffer; contentType: string; httpStatus: string | undefined }>((resolve, reject) => {
      let httpStatus: string | undefined;
      const call = client["InvokeService"]({
        id: calleeId,
        message: { method, data: { type_url: "", value: body }, content_type: "application/octet-stream", http_extension: { verb: "POST", querystring: "" } },
      }, (err: grpc.ServiceError | null, res: { data: { value: Buffer }; content_type: string }) => {
        if (err) return reject(err);
        resolve({ data: res.data.value, contentType: res.content_type, httpStatus });
      });
      call.on("metadata", (md: grpc.Metadata) => (httpStatus = md.get("dapr-http-status")[0]?.toString()));
    });

    // Bodies over one sidecar-to-sidecar message (64 KiB) travel in several, and come back whole.
    it.each([[0], [1024], [300 * 1024]])("carries a %i-byte body there and back unchanged", async (size) => {
      const body = Buffer.from(Array.from({ length: size }, (_, i) => (i * 7) % 251));
      const r = await invokeService("echo-bytes", body);
      expect(r.httpStatus).toBe("200");
      expect(r.contentType).toBe("application/octet-stream");
      expect(Buffer.compare(r.data, body)).toBe(0);
    });

    it("passes the app's non-2xx status in dapr-http-status, with its body", async () => {
      const r = await invokeService("teapot", Buffer.alloc(0));
      expect(r.httpStatus).toBe("418");
      expect(r.data.toString()).toBe("short and stout");
    });
  });

  it("answers 500 ERR_DIRECT_INVOKE quickly for an app that is not running", async () => {
    const start = Date.now();
    const r = await callerSidecar.http("/v1.0/invoke/nobody-home/method/x");
    expect(r.status).toBe(500);
    expect(((await r.json()) as { errorCode: string }).errorCode).toBe("ERR_DIRECT_INVOKE");
    expect(Date.now() - start).toBeLessThan(2000);
  });

  it("rejects a method path with '..'", async () => {
    // Sent raw: fetch would resolve the dot segments before they reach the sidecar.
    for (const p of [`/v1.0/invoke/${calleeId}/method/a/../secret`, `/v1.0/invoke/${calleeId}/method/a/%2E%2E/secret`]) {
      const r = await rawGet(callerSidecar.httpPort, p);
      expect(r.status).toBe(400);
      expect(JSON.parse(r.body).errorCode).toBe("ERR_DIRECT_INVOKE");
    }
  });

  it("answers 403 when the callee's access control denies the caller, and the app sees nothing", async () => {
    const blocked = await startSidecar({ appId: "blocked-caller", env: { DAPR_TS_HOME: home, ...transportEnv } });
    try {
      const before = callee.seen.length;
      // Twice: the first call to a sidecar goes over gRPC, later ones framed where both take it.
      for (let i = 0; i < 2; i++) {
        const r = await blocked.http(`/v1.0/invoke/${calleeId}/method/check-stock`, { method: "POST", body: "{}" });
        expect(r.status).toBe(403);
        expect(((await r.json()) as { errorCode: string }).errorCode).toBe("ERR_DIRECT_INVOKE");
      }
      expect(callee.seen.length).toBe(before);
    } finally {
      await blocked.stop();
    }
  });

  // dapr-ts sidecars call each other over CallLocalStream; a daprd caller may send unary CallLocal.
  it("serves unary CallLocal on the internal port, with the callee's access control", async () => {
    const clients = new InternalClients();
    type Answer = { status: { code: number }; message: { data: { value: Buffer } | null; content_type: string } | null };
    const callLocal = (caller: string) => clients.unary<Answer>(`127.0.0.1:${calleeInternalPort}`, "CallLocal", {
      ver: "V1",
      metadata: toListMap({ "dapr-caller-app-id": caller, "dapr-caller-namespace": "default", "content-type": "application/json" }),
      message: {
        method: "check-stock", data: { type_url: "", value: Buffer.from('{"sku":"a-1"}') }, content_type: "application/json",
        http_extension: { verb: "POST", querystring: "" },
      },
    });
    try {
      const ok = await callLocal("orders");
      expect(ok.status.code).toBe(200);
      expect(JSON.parse(ok.message!.data!.value.toString())).toEqual({ available: true, echo: { sku: "a-1" } });
      const before = callee.seen.length;
      const denied = await callLocal("blocked-caller");
      expect(denied.status.code).toBe(403);
      expect(callee.seen.length).toBe(before);
    } finally {
      clients.close();
    }
  });
});
