import { describe, it, expect } from "vitest";
import { readFileSync } from "node:fs";
import { annotationTable, defaultSettings, readAnnotations } from "./annotations.js";
import { annotationsDocPath, renderAnnotationsDoc } from "./generate-docs.js";

// The minimum list; each must be in the table under Dapr's key.
const required = [
  "enabled", "app-id", "app-port", "app-protocol", "config", "log-level", "log-as-json", "enable-metrics", "metrics-port",
  "env", "env-from-secret", "app-token-secret", "api-token-secret", "enable-api-logging", "max-body-size",
  "http-max-request-size", "graceful-shutdown-seconds", "app-max-concurrency", "sidecar-listen-addresses", "grpc-port",
  "internal-grpc-port", "sidecar-image", "sidecar-cpu-request", "sidecar-cpu-limit", "sidecar-memory-request",
  "sidecar-memory-limit", "sidecar-liveness-probe-delay-seconds", "sidecar-liveness-probe-timeout-seconds",
  "sidecar-liveness-probe-period-seconds", "sidecar-liveness-probe-threshold", "sidecar-readiness-probe-delay-seconds",
  "sidecar-readiness-probe-timeout-seconds", "sidecar-readiness-probe-period-seconds", "sidecar-readiness-probe-threshold",
  "enable-app-health-check", "app-health-check-path", "app-health-probe-interval", "app-health-probe-timeout",
  "app-health-threshold", "volume-mounts", "volume-mounts-rw", "enable-native-sidecar",
].map((k) => `dapr.io/${k}`);

describe("annotation table", () => {
  it("declares every required annotation exactly once", () => {
    const keys = Object.values(annotationTable).map((s) => s.key);
    expect(new Set(keys).size).toBe(keys.length);
    for (const k of required) expect(keys, k).toContain(k);
  });

  it("has defaults that its own parsers accept", () => {
    for (const spec of Object.values(annotationTable)) {
      const d = spec.default as unknown;
      if (d === undefined || Array.isArray(d)) continue;
      const r = (spec.parse as (raw: string) => { ok: boolean; value?: unknown })(String(d));
      expect(r, spec.key).toMatchObject({ ok: true, value: d });
    }
  });

  it("keeps Dapr's defaults", () => {
    const d = defaultSettings();
    expect(d).toMatchObject({
      enabled: false, appProtocol: "http", logLevel: "info", enableMetrics: true, metricsPort: 9090, grpcPort: 50001,
      internalGrpcPort: 50002, sidecarListenAddresses: "[::1],127.0.0.1", gracefulShutdownSeconds: -1,
      appHealthCheckPath: "/healthz", appHealthProbeInterval: 5, appHealthProbeTimeout: 500, appHealthThreshold: 3,
    });
  });

  it("lays injector defaults over the table, and annotations over both", () => {
    const { settings } = readAnnotations({ "dapr.io/sidecar-cpu-limit": "2" }, { sidecarCpuLimit: "1", sidecarCpuRequest: "100m" });
    expect(settings.sidecarCpuLimit).toBe("2");
    expect(settings.sidecarCpuRequest).toBe("100m");
  });

  it("names the default it falls back to", () => {
    const { warnings } = readAnnotations({ "dapr.io/metrics-port": "x" });
    expect(warnings).toEqual(['dapr.io/metrics-port: invalid value "x" (expected an integer from 1 to 65535); using the default (9090)']);
  });

  it("shortens long bad values in warnings", () => {
    const { warnings } = readAnnotations({ "dapr.io/log-level": "x".repeat(500) });
    expect(warnings[0]!.length).toBeLessThan(256);
  });
});

describe("docs/annotations.md", () => {
  it("is the table as generated (run `npx tsx injector/generate-docs.ts` after changing the table)", () => {
    expect(readFileSync(annotationsDocPath, "utf8")).toBe(renderAnnotationsDoc());
  });

  it("lists every annotation", () => {
    const doc = renderAnnotationsDoc();
    for (const spec of Object.values(annotationTable)) expect(doc).toContain(`| \`${spec.key}\` |`);
  });
});
