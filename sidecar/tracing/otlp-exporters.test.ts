import http from "node:http";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOtlpGrpcCollector, startOtlpHttpCollector, type FakeCollector } from "../../test/support/otlp-collector.js";
import { freePort } from "../../test/support/services.js";
import type { SpanExporter } from "./batch-tracer.js";
import { otlpGrpcTarget, otlpHttpUrl, type OtlpExporterOptions } from "./otlp-endpoint.js";
import { OtlpGrpcExporter } from "./otlp-grpc-exporter.js";
import { OtlpHttpExporter } from "./otlp-http-exporter.js";
import type { SpanRecord } from "./tracer.js";

const span: SpanRecord = {
  traceId: "4bf92f3577b34da6a3ce929d0e0e4736", id: "00f067aa0ba902b7", name: "/leaf", kind: "SERVER",
  startMs: Date.now(), durationMs: 3, tags: { "dapr.app_id": "leaf", "http.status_code": "200" },
};
const timeout = (): AbortSignal => AbortSignal.timeout(5000);

describe("OTLP endpoint addresses", () => {
  it("builds the OTLP/HTTP URL from host:port and isSecure, with the /v1/traces path", () => {
    expect(otlpHttpUrl("localhost:4318", false).href).toBe("http://localhost:4318/v1/traces");
    expect(otlpHttpUrl("collector.example:4318", true).href).toBe("https://collector.example:4318/v1/traces");
    expect(otlpHttpUrl("http://localhost:4318", true).href).toBe("http://localhost:4318/v1/traces");
    expect(otlpHttpUrl("https://ingest.example/otlp/v1/traces", false).href).toBe("https://ingest.example/otlp/v1/traces");
    expect(() => otlpHttpUrl("ftp://x", false)).toThrow(/http or https/);
  });

  it("derives the gRPC target and TLS from host:port and isSecure, or from a scheme", () => {
    expect(otlpGrpcTarget("localhost:4317", false)).toEqual({ target: "localhost:4317", secure: false });
    expect(otlpGrpcTarget("localhost:4317", true)).toEqual({ target: "localhost:4317", secure: true });
    expect(otlpGrpcTarget("https://collector:4317/", false)).toEqual({ target: "collector:4317", secure: true });
    expect(otlpGrpcTarget("http://collector:4317", true)).toEqual({ target: "collector:4317", secure: false });
    expect(otlpGrpcTarget("dns:///collector:4317", false)).toEqual({ target: "dns:///collector:4317", secure: false });
  });
});

describe.each([
  ["http", startOtlpHttpCollector, (o: OtlpExporterOptions): SpanExporter => new OtlpHttpExporter(o)],
  ["grpc", startOtlpGrpcCollector, (o: OtlpExporterOptions): SpanExporter => new OtlpGrpcExporter(o)],
] as const)("OTLP/%s exporter", (protocol, startCollector, makeExporter) => {
  let collector: FakeCollector;
  beforeAll(async () => { collector = await startCollector(); });
  afterAll(() => collector.close());

  it("delivers spans with the app id as service name and the configured headers", async () => {
    const exporter = makeExporter({ endpoint: collector.endpoint, isSecure: false, headers: { "X-Api-Key": "k1" }, serviceName: "leaf-app" });
    await exporter.export([span], timeout());
    await exporter.close?.();
    const got = collector.spans.find((s) => s.traceId === span.traceId)!;
    expect(got).toMatchObject({ serviceName: "leaf-app", spanId: span.id, name: "/leaf", kind: 2, attributes: span.tags });
    const req = collector.requests.at(-1)!;
    expect(req.path).toBe(protocol === "http" ? "/v1/traces" : "/opentelemetry.proto.collector.trace.v1.TraceService/Export");
    expect(req.headers["x-api-key"]).toBe("k1");
  });

  it("fails the batch when the collector rejects part of it", async () => {
    collector.partialSuccess = { rejected_spans: 1, error_message: "span too old" };
    const exporter = makeExporter({ endpoint: collector.endpoint, isSecure: false, headers: {}, serviceName: "leaf-app" });
    try {
      await expect(exporter.export([span], timeout())).rejects.toThrow(/rejected 1 of 1 spans: span too old/);
    } finally {
      collector.partialSuccess = undefined;
      await exporter.close?.();
    }
  });

  it("fails quickly, without throwing synchronously, when nothing listens", async () => {
    const exporter = makeExporter({ endpoint: `127.0.0.1:${await freePort()}`, isSecure: false, headers: {}, serviceName: "a" });
    const started = Date.now();
    await expect(exporter.export([span], timeout())).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(3000);
    await exporter.close?.();
  });
});

describe("a collector that never answers", () => {
  // Each accepts connections but never responds: only the export deadline ends the call.
  let server: http.Server;
  let port: number;
  let silent: net.Server;
  let silentPort: number;
  const sockets = new Set<net.Socket>();
  beforeAll(async () => {
    port = await freePort();
    server = http.createServer(() => {});
    await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
    silentPort = await freePort();
    silent = net.createServer((s) => { sockets.add(s); s.on("error", () => {}); });
    await new Promise<void>((r) => silent.listen(silentPort, "127.0.0.1", r));
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
    for (const s of sockets) s.destroy();
    silent.close();
  });

  it("is given up on at the export deadline (HTTP)", async () => {
    const exporter = new OtlpHttpExporter({ endpoint: `127.0.0.1:${port}`, isSecure: false, headers: {}, serviceName: "a" });
    const started = Date.now();
    await expect(exporter.export([span], AbortSignal.timeout(300))).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("is given up on at the export deadline (gRPC)", async () => {
    const exporter = new OtlpGrpcExporter({ endpoint: `127.0.0.1:${silentPort}`, isSecure: false, headers: {}, serviceName: "a" });
    const started = Date.now();
    await expect(exporter.export([span], AbortSignal.timeout(300))).rejects.toThrow(/timed out/);
    expect(Date.now() - started).toBeLessThan(2000);
    await exporter.close();
  });
});
