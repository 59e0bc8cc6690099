import express from "express";
import http from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { metricsRegistry } from "../../metrics/registry.js";
import { closeGracefully, listenHttp, type Listening } from "../../runtime/servers.js";
import { httpMetrics } from "./http-metrics.js";

let open: Listening | undefined;
afterEach(async () => {
  if (open) await closeGracefully(open.server, 100);
  open = undefined;
});

type Values = { value: number; labels: Record<string, unknown>; metricName?: string }[];

async function valuesOf(name: string, appId: string): Promise<Values> {
  const m = metricsRegistry.getSingleMetric(name) as unknown as { get(): Promise<{ values: Values }> };
  return (await m.get()).values.filter((v) => v.labels["app_id"] === appId);
}

describe("httpMetrics", () => {
  it("records each request under its route template, method and status", async () => {
    const appId = "http-metrics-test";
    const app = express();
    app.use(httpMetrics(appId));
    app.post("/items/:id", (req, res) => {
      req.resume();
      req.on("end", () => res.status(req.params["id"] === "missing" ? 404 : 200).send("abcd"));
    });
    open = await listenHttp(app as unknown as http.RequestListener, 0, "127.0.0.1");
    const base = `http://127.0.0.1:${open.port}`;
    for (const id of ["1", "2", "missing"]) {
      const r = await fetch(`${base}/items/${id}`, { method: "POST", body: "x".repeat(10) });
      await r.text();
    }
    await (await fetch(`${base}/nowhere`)).text();
    // 'finish' may come just after the client has the answer.
    await new Promise((r) => setTimeout(r, 50));

    expect(await valuesOf("dapr_http_server_request_count", appId)).toEqual([
      { value: 3, labels: { app_id: appId, method: "POST", path: "/items/:id" } },
      { value: 1, labels: { app_id: appId, method: "GET", path: "" } },
    ]);
    expect(await valuesOf("dapr_http_server_response_count", appId)).toEqual([
      { value: 2, labels: { app_id: appId, method: "POST", path: "/items/:id", status: "200" } },
      { value: 1, labels: { app_id: appId, method: "POST", path: "/items/:id", status: "404" } },
      { value: 1, labels: { app_id: appId, method: "GET", path: "", status: "404" } },
    ]);
    const reqBytes = (await valuesOf("dapr_http_server_request_bytes", appId)).filter((v) => v.metricName?.endsWith("_sum"));
    expect(reqBytes).toEqual([expect.objectContaining({ value: 30, labels: { app_id: appId, method: "POST", path: "/items/:id" } })]);
    const latencyCounts = (await valuesOf("dapr_http_server_latency", appId)).filter((v) => v.metricName?.endsWith("_count")).map((v) => v.value);
    expect(latencyCounts).toEqual([2, 1, 1]);
  });

  it("counts the response body the handler wrote, with or without a Content-Length header (ended with a Buffer, or streamed)", async () => {
    const appId = "http-metrics-bytes-test";
    const app = express();
    app.use(httpMetrics(appId));
    app.get("/whole", (_req, res) => void res.end(Buffer.alloc(300, 1)));
    app.get("/streamed", (_req, res) => {
      res.write("x".repeat(100));
      res.write(Buffer.alloc(50));
      res.end("é"); // two bytes in UTF-8
    });
    app.get("/sent", (_req, res) => void res.send("abcd"));
    open = await listenHttp(app as unknown as http.RequestListener, 0, "127.0.0.1");
    for (const p of ["whole", "streamed", "sent"]) expect((await (await fetch(`http://127.0.0.1:${open.port}/${p}`)).arrayBuffer()).byteLength).toBeGreaterThan(0);
    const sums = async () => Object.fromEntries((await valuesOf("dapr_http_server_response_bytes", appId))
      .filter((v) => v.metricName?.endsWith("_sum")).map((v) => [String(v.labels["path"]), v.value]));
    await expect.poll(sums).toEqual({ "/whole": 300, "/streamed": 152, "/sent": 4 });
  });
});
