// Tracing across three hops: caller -> sidecar A -> app A -> sidecar A ->
// sidecar B -> app B. The trace id survives every hop, and with a Zipkin
// endpoint in the Configuration each sidecar exports its CLIENT and SERVER spans.
import http from "node:http";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSidecar, type SidecarProcess } from "../support/sidecar-process.js";
import { freePort, uniqueName } from "../support/services.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

interface ZipkinSpan { traceId: string; id: string; parentId?: string; name: string; kind: string; localEndpoint: { serviceName: string } }

describe("tracing", () => {
  const spans: ZipkinSpan[] = [];
  let zipkin: http.Server;
  let appServer: http.Server;
  let appB: TestApp;
  const sidecars: SidecarProcess[] = [];
  const idA = uniqueName("trace-a");
  const idB = uniqueName("trace-b");

  beforeAll(async () => {
    const zipkinPort = await freePort();
    zipkin = http.createServer((req, res) => {
      let body = "";
      req.on("data", (d) => (body += d));
      req.on("end", () => { spans.push(...(JSON.parse(body) as ZipkinSpan[])); res.statusCode = 202; res.end(); });
    });
    await new Promise<void>((r) => zipkin.listen(zipkinPort, "127.0.0.1", r));
    const home = mkdtempSync(path.join(os.tmpdir(), "dapr-ts-trace-"));
    const config = path.join(home, "config.yaml");
    writeFileSync(config, `apiVersion: dapr.io/v1alpha1
kind: Configuration
metadata: { name: tracing }
spec:
  tracing:
    samplingRate: "1"
    zipkin:
      endpointAddress: "http://127.0.0.1:${zipkinPort}/api/v2/spans"
`);
    appB = await startTestApp({ "/leaf": () => ({ body: { leaf: true } }) });
    let sidecarA: SidecarProcess | undefined;
    // App A calls B through its own sidecar, passing the trace context on, as an instrumented app does.
    appServer = http.createServer(async (req, res) => {
      if (!req.url?.startsWith("/middle")) {
        res.statusCode = 404;
        return void res.end();
      }
      const r = await fetch(`http://127.0.0.1:${sidecarA!.httpPort}/v1.0/invoke/${idB}/method/leaf`, { headers: { traceparent: String(req.headers["traceparent"]) } });
      res.setHeader("x-seen-traceparent", String(req.headers["traceparent"]));
      res.end(await r.text());
    });
    const portA = await freePort();
    await new Promise<void>((r) => appServer.listen(portA, "127.0.0.1", r));
    sidecars.push(await startSidecar({ appId: idB, args: ["--app-port", String(appB.port), "--config", config], env: { DAPR_TS_HOME: home } }));
    sidecarA = await startSidecar({ appId: idA, args: ["--app-port", String(portA), "--config", config], env: { DAPR_TS_HOME: home } });
    sidecars.push(sidecarA);
    sidecars.push(await startSidecar({ appId: uniqueName("trace-caller"), args: ["--config", config], env: { DAPR_TS_HOME: home } }));
  });
  afterAll(async () => {
    for (const s of sidecars) await s.stop();
    appServer?.closeAllConnections();
    appServer?.close();
    await appB?.close();
    zipkin?.close();
  });

  it("keeps the trace id over three hops and exports the spans to Zipkin", async () => {
    const traceId = "0af7651916cd43dd8448eb211c80319c";
    const caller = sidecars[2]!;
    const r = await caller.http(`/v1.0/invoke/${idA}/method/middle`, { headers: { traceparent: `00-${traceId}-b7ad6b7169203331-01` } });
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ leaf: true });
    expect(String(appB.seen.at(-1)!.headers["traceparent"])).toContain(traceId);
    const deadline = Date.now() + 5000;
    while (spans.filter((s) => s.traceId === traceId).length < 4 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 100));
    const ours = spans.filter((s) => s.traceId === traceId);
    // Two sidecar-to-sidecar calls: a CLIENT span on each caller side and a SERVER span on each callee side.
    expect(ours.filter((s) => s.kind === "CLIENT").map((s) => s.name).sort()).toEqual([`CallLocal/${idA}/middle`, `CallLocal/${idB}/leaf`].sort());
    expect(ours.filter((s) => s.kind === "SERVER").map((s) => s.localEndpoint.serviceName).sort()).toEqual([idA, idB].sort());
    // Every span but the first hangs off another span of the same trace (or the caller's own).
    const ids = new Set([...ours.map((s) => s.id), "b7ad6b7169203331"]);
    expect(ours.every((s) => s.parentId && ids.has(s.parentId))).toBe(true);
  });
});
