// OTLP export over three hops, once per protocol: caller sidecar -> sidecar A
// -> app A -> sidecar A -> sidecar B -> app B, every sidecar configured with
// `tracing.otel` pointing at a fake collector (OTLP/HTTP protobuf, then
// OTLP/gRPC). The collector must receive each sidecar's CLIENT and SERVER spans
// under the caller's trace id, named after the app ids, with daprd's status.
// Then: a collector that is not there costs invocations nothing.
import http from "node:http";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOtlpGrpcCollector, startOtlpHttpCollector, type FakeCollector, type ReceivedSpan } from "../support/otlp-collector.js";
import { startSidecar, type SidecarProcess } from "../support/sidecar-process.js";
import { freePort, uniqueName } from "../support/services.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

function writeConfig(otel: string): { home: string; config: string } {
  const home = mkdtempSync(path.join(os.tmpdir(), "dapr-ts-otlp-"));
  const config = path.join(home, "config.yaml");
  writeFileSync(config, `apiVersion: dapr.io/v1alpha1
kind: Configuration
metadata: { name: tracing }
spec:
  tracing:
    samplingRate: "1"
    otel:
${otel}
`);
  return { home, config };
}

const SERVER = 2;
const CLIENT = 3;

async function waitFor(spans: ReceivedSpan[], traceId: string, count: number): Promise<ReceivedSpan[]> {
  const deadline = Date.now() + 10_000;
  while (spans.filter((s) => s.traceId === traceId).length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  return spans.filter((s) => s.traceId === traceId);
}

describe.each([
  ["http", startOtlpHttpCollector],
  ["grpc", startOtlpGrpcCollector],
] as const)("OTLP/%s tracing export", (protocol, startCollector) => {
  let collector: FakeCollector;
  let appServer: http.Server;
  let appB: TestApp;
  const sidecars: SidecarProcess[] = [];
  const idA = uniqueName(`otlp-${protocol}-a`);
  const idB = uniqueName(`otlp-${protocol}-b`);
  const idCaller = uniqueName(`otlp-${protocol}-caller`);

  beforeAll(async () => {
    collector = await startCollector();
    const { home, config } = writeConfig(`      endpointAddress: "${collector.endpoint}"
      isSecure: false
      protocol: ${protocol}
      headers: "x-tenant=acme"`);
    appB = await startTestApp({ "/leaf": () => ({ body: { leaf: true } }) });
    let sidecarA: SidecarProcess | undefined;
    // App A calls B through its own sidecar, passing the trace context on, as an instrumented app does.
    appServer = http.createServer(async (req, res) => {
      // Only the test's own routes call on; the sidecar's start-up probes (/dapr/config, ...) get 404.
      const target = req.url?.startsWith("/middle") ? "leaf" : req.url?.startsWith("/other") ? "missing" : undefined;
      if (!target) {
        res.statusCode = 404;
        return void res.end();
      }
      const r = await fetch(`http://127.0.0.1:${sidecarA!.httpPort}/v1.0/invoke/${idB}/method/${target}`, { headers: { traceparent: String(req.headers["traceparent"]) } });
      res.statusCode = r.status;
      res.end(await r.text());
    });
    const portA = await freePort();
    await new Promise<void>((r) => appServer.listen(portA, "127.0.0.1", r));
    const env = { DAPR_TS_HOME: home };
    sidecars.push(await startSidecar({ appId: idB, args: ["--app-port", String(appB.port), "--config", config], env }));
    sidecarA = await startSidecar({ appId: idA, args: ["--app-port", String(portA), "--config", config], env });
    sidecars.push(sidecarA);
    sidecars.push(await startSidecar({ appId: idCaller, args: ["--config", config], env }));
  });
  afterAll(async () => {
    for (const s of sidecars) await s.stop();
    appServer?.closeAllConnections();
    appServer?.close();
    await appB?.close();
    await collector?.close();
  });

  it("exports every hop's spans under the caller's trace id", async () => {
    const traceId = "0af7651916cd43dd8448eb211c80319c";
    const r = await sidecars[2]!.http(`/v1.0/invoke/${idA}/method/middle`, { headers: { traceparent: `00-${traceId}-b7ad6b7169203331-01` } });
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ leaf: true });

    const ours = await waitFor(collector.spans, traceId, 4);
    const summary = ours.map((s) => [s.serviceName, s.kind, s.name]).sort();
    expect(summary).toEqual([
      [idCaller, CLIENT, `CallLocal/${idA}/middle`],
      [idA, SERVER, "/middle"],
      [idA, CLIENT, `CallLocal/${idB}/leaf`],
      [idB, SERVER, "/leaf"],
    ].sort());
    // One tree: the caller's span is the root's parent, every other span hangs off a span of this trace.
    const ids = new Set([...ours.map((s) => s.spanId), "b7ad6b7169203331"]);
    expect(ours.every((s) => ids.has(s.parentSpanId))).toBe(true);
    const callerSpan = ours.find((s) => s.serviceName === idCaller)!;
    expect(callerSpan.parentSpanId).toBe("b7ad6b7169203331");
    expect(ours.find((s) => s.name === "/middle")!.parentSpanId).toBe(callerSpan.spanId);
    for (const s of ours) {
      expect(s.status).toEqual({ code: 0, message: "" });
      expect(s.attributes["http.status_code"]).toBe("200");
      expect(s.endTimeUnixNano >= s.startTimeUnixNano).toBe(true);
      expect(s.scope).toBe("dapr-diagnostics");
    }
    // Every export of this test's sidecars carried the configured header.
    const ourIds = new Set([idCaller, idA, idB]);
    const ourExports = collector.requests.filter((q) => q.services.some((name) => ourIds.has(name)));
    expect(ourExports.length).toBeGreaterThan(0);
    expect(ourExports.filter((q) => q.headers["x-tenant"] !== "acme")).toEqual([]);
  });

  it("marks a failed hop as an error, as daprd does", async () => {
    const traceId = "1af7651916cd43dd8448eb211c80319d";
    const r = await sidecars[2]!.http(`/v1.0/invoke/${idA}/method/other`, { headers: { traceparent: `00-${traceId}-c7ad6b7169203331-01` } });
    expect(r.status).toBe(404);
    const ours = await waitFor(collector.spans, traceId, 4);
    const leaf = ours.find((s) => s.serviceName === idB && s.kind === SERVER)!;
    expect(leaf.name).toBe("/missing");
    expect(leaf.status).toEqual({ code: 2, message: "Code(404): Not Found" });
  });

  it("exports nothing for an unsampled trace", async () => {
    const traceId = "2af7651916cd43dd8448eb211c80319e";
    const r = await sidecars[2]!.http(`/v1.0/invoke/${idA}/method/middle`, { headers: { traceparent: `00-${traceId}-d7ad6b7169203331-00` } });
    expect(r.status).toBe(200);
    // Let a few flush intervals pass: a span, had one been recorded, would be there by now.
    await new Promise((res) => setTimeout(res, 1500));
    expect(collector.spans.filter((s) => s.traceId === traceId)).toEqual([]);
  });
});

describe("OTLP export to a collector that is not there", () => {
  let app: TestApp;
  const sidecars: SidecarProcess[] = [];
  const idB = uniqueName("otlp-down-b");

  beforeAll(async () => {
    const { home, config } = writeConfig(`      endpointAddress: "127.0.0.1:${await freePort()}"
      isSecure: false
      protocol: http`);
    app = await startTestApp({ "/ping": () => ({ body: "pong" }) });
    const env = { DAPR_TS_HOME: home };
    sidecars.push(await startSidecar({ appId: idB, args: ["--app-port", String(app.port), "--config", config], env }));
    sidecars.push(await startSidecar({ appId: uniqueName("otlp-down-caller"), args: ["--config", config], env }));
  });
  afterAll(async () => {
    for (const s of sidecars) await s.stop();
    await app?.close();
  });

  it("keeps answering invocations and logs the failure without repeating it each batch", async () => {
    const caller = sidecars[1]!;
    for (let i = 0; i < 20; i++) {
      const traceparent = `00-${(i + 1).toString(16).padStart(32, "a")}-b7ad6b7169203331-01`;
      const started = Date.now();
      const r = await caller.http(`/v1.0/invoke/${idB}/method/ping`, { headers: { traceparent } });
      expect(r.status).toBe(200);
      expect(await r.text()).toBe("pong");
      expect(Date.now() - started).toBeLessThan(1000);
      await new Promise((res) => setTimeout(res, 100)); // spread over several flush intervals
    }
    const warnings = caller.logs().split("\n").filter((l) => l.includes("spans were not exported"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("otlp/http");
    expect(caller.proc.exitCode).toBeNull();
    expect(caller.logs()).not.toContain("not supported yet");
  });
});
