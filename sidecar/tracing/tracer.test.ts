import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOtlpHttpCollector, type FakeCollector } from "../../test/support/otlp-collector.js";
import { defaultConfiguration, parseConfiguration } from "../config/configuration.js";
import { Logger } from "../log/logger.js";
import { createTracer, type SpanRecord } from "./tracer.js";

function capture(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  return { lines, logger: new Logger({ json: true, sink: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) }) };
}

const config = (tracing: unknown) => {
  const { config, errors } = parseConfiguration({ kind: "Configuration", spec: { tracing } });
  expect(errors).toEqual([]);
  return config;
};

const span: SpanRecord = {
  traceId: "5bf92f3577b34da6a3ce929d0e0e4736", id: "10f067aa0ba902b7", name: "/m", kind: "SERVER",
  startMs: Date.now(), durationMs: 1, tags: { "dapr.app_id": "app" },
};

describe("createTracer", () => {
  let collector: FakeCollector;
  beforeAll(async () => { collector = await startOtlpHttpCollector(); });
  afterAll(() => collector.close());

  it("records nothing without a destination", () => {
    expect(createTracer(defaultConfiguration(), "app", capture().logger).enabled).toBe(false);
  });

  it("exports over OTLP when the Configuration names an endpoint and a protocol", async () => {
    const { logger, lines } = capture();
    const t = createTracer(config({ otel: { endpointAddress: collector.endpoint, isSecure: false, protocol: "http" } }), "app", logger);
    expect(t.enabled).toBe(true);
    t.record(span);
    await t.close();
    expect(collector.spans.filter((s) => s.traceId === span.traceId).map((s) => s.serviceName)).toEqual(["app"]);
    expect(lines).toEqual([]);
  });

  it("feeds every configured destination, as daprd registers every exporter", async () => {
    const { logger, lines } = capture();
    const traceId = "6bf92f3577b34da6a3ce929d0e0e4736";
    const t = createTracer(config({ stdout: true, otel: { endpointAddress: collector.endpoint, isSecure: false, protocol: "http" } }), "app", logger);
    t.record({ ...span, traceId });
    await t.close();
    expect(collector.spans.filter((s) => s.traceId === traceId)).toHaveLength(1);
    expect(lines.filter((l) => l.msg === "span" && l.traceId === traceId)).toHaveLength(1);
  });

  it("says why nothing is exported when otel has no protocol", () => {
    const { logger, lines } = capture();
    const t = createTracer(config({ otel: { endpointAddress: collector.endpoint } }), "app", logger);
    expect(t.enabled).toBe(false);
    expect(lines).toEqual([expect.objectContaining({ level: "warn", msg: expect.stringContaining("tracing.otel.protocol is not set") })]);
  });
});
