import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../log/logger.js";
import { metricsRegistry } from "../../metrics/registry.js";
import { buildHttpApi } from "./http-server.js";

describe("the HTTP API server's body handling", () => {
  let server: Server;
  let base: string;

  beforeAll(async () => {
    const app = buildHttpApi({
      appId: "bodies",
      maxBodySize: 64,
      logger: silentLogger,
      answerUnbuiltRoutes: false,
      streamed: (req) => req.path === "/streamed",
      routes: [(router) => {
        router.all("/echo", (req, res) => {
          const body = req.body as Buffer | undefined;
          res.json({ read: Buffer.isBuffer(body), bytes: body ? body.toString("base64") : null });
        });
        router.all("/streamed", (req, res) => res.json({ read: req.body !== undefined }));
      }],
    });
    server = app.listen(0, "127.0.0.1");
    await new Promise<void>((r) => server.once("listening", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => server?.close());

  it("hands a body on as the bytes that came, compressed ones included (as Dapr does)", async () => {
    const gz = gzipSync('{"a":1}');
    const r = await fetch(`${base}/echo`, { method: "POST", body: gz, headers: { "content-encoding": "gzip" } });
    expect(r.status).toBe(200);
    expect(Buffer.from(((await r.json()) as { bytes: string }).bytes, "base64").equals(gz)).toBe(true);
  });

  it("reads no body where the request has none", async () => {
    const r = await fetch(`${base}/echo`);
    expect(await r.json()).toEqual({ read: false, bytes: null });
  });

  it("answers 413 in Dapr's shape for a body over --max-body-size", async () => {
    const r = await fetch(`${base}/echo`, { method: "POST", body: "x".repeat(65) });
    expect(r.status).toBe(413);
    expect(await r.json()).toEqual({ errorCode: "ERR_MALFORMED_REQUEST", message: "request body exceeds the maximum size of 64 bytes" });
  });

  it("leaves the body of a streamed route unread", async () => {
    const r = await fetch(`${base}/streamed`, { method: "POST", body: "x".repeat(200) });
    expect(await r.json()).toEqual({ read: false });
  });
});

describe("the HTTP API server's metrics", () => {
  /** Requests counted in dapr_http_server_request_count for `appId`. */
  async function counted(appId: string): Promise<number> {
    const m = metricsRegistry.getSingleMetric("dapr_http_server_request_count") as unknown as { get(): Promise<{ values: { value: number; labels: Record<string, unknown> }[] }> };
    return (await m.get()).values.filter((v) => v.labels["app_id"] === appId).reduce((n, v) => n + v.value, 0);
  }

  it("records Dapr's HTTP server metrics unless told not to (the Configuration's metrics.enabled)", async () => {
    // Without metrics first: by the time the second server's requests are counted, the first's have finished too.
    for (const [appId, recordMetrics] of [["metrics-off", false], ["metrics-on", undefined]] as const) {
      const app = buildHttpApi({ appId, maxBodySize: 64, logger: silentLogger, recordMetrics, routes: [(r) => r.get("/ping", (_req, res) => res.send("pong"))] });
      const server = app.listen(0, "127.0.0.1");
      await new Promise<void>((r) => server.once("listening", r));
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      for (let i = 0; i < 2; i++) expect(await (await fetch(`${base}/ping`)).text()).toBe("pong");
      server.close();
    }
    // 'finish' (where requests are counted) may come just after the client has the answer.
    for (let waited = 0; (await counted("metrics-on")) < 2 && waited < 2000; waited += 20) await new Promise((r) => setTimeout(r, 20));
    expect(await counted("metrics-on")).toBe(2);
    expect(await counted("metrics-off")).toBe(0);
  });
});
