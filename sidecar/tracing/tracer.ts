// The spans the sidecar records (service invocation, client and server side)
// and where they go, following the Configuration's `tracing`: the log
// (`stdout: true`), Zipkin's v2 JSON API (`zipkin.endpointAddress`) and OTLP
// over HTTP or gRPC (`otel.endpointAddress` + `otel.protocol`). As in daprd,
// every configured destination receives every span. Only sampled traces
// (traceparent flag 01) are recorded; the request path only appends to a queue.
import { randomBytes } from "node:crypto";
import type { Configuration } from "../config/configuration.js";
import type { Logger } from "../log/logger.js";
import { BatchTracer, type SpanExporter } from "./batch-tracer.js";
import { ZipkinExporter } from "./zipkin-exporter.js";

export interface SpanRecord {
  traceId: string;
  id: string;
  parentId?: string;
  name: string;
  kind: "CLIENT" | "SERVER";
  startMs: number;
  durationMs: number;
  /** Dapr's span attributes; `http.status_code` also decides the OTLP span status. */
  tags: Record<string, string>;
}

export interface Tracer {
  readonly enabled: boolean;
  record(span: SpanRecord): void;
  close(): Promise<void>;
}

const traceparentRe = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The parts of a W3C traceparent, or undefined when it is not one. */
export function parseTraceparent(tp: string | undefined): { traceId: string; spanId: string; sampled: boolean } | undefined {
  const m = tp ? traceparentRe.exec(tp.trim()) : null;
  return m ? { traceId: m[1]!, spanId: m[2]!, sampled: (parseInt(m[3]!, 16) & 1) === 1 } : undefined;
}

export function newSpanId(): string {
  return randomBytes(8).toString("hex");
}

const noop: Tracer = { enabled: false, record: () => {}, close: async () => {} };

export function createTracer(config: Configuration, serviceName: string, logger: Logger): Tracer {
  const log = logger.child("tracing");
  const { stdout, zipkin, otel } = config.tracing;
  const tracers: Tracer[] = [];
  if (stdout) tracers.push(new LogTracer(log));
  if (zipkin.endpointAddress) tracers.push(new BatchTracer("zipkin", new ZipkinExporter(zipkin.endpointAddress, serviceName), log));
  if (otel.endpointAddress) {
    const exporter = otlpExporter(otel, serviceName, log);
    if (exporter) tracers.push(new BatchTracer(`otlp/${otel.protocol}`, exporter, log, { exportTimeoutMs: otel.timeoutMs }));
  }
  if (tracers.length === 0) return noop;
  return tracers.length === 1 ? tracers[0]! : new FanOutTracer(tracers);
}

/**
 * The OTLP exporter for `tracing.otel`, imported only now: a sidecar whose
 * Configuration does not ask for OTLP never loads the encoder or the transports.
 */
function otlpExporter(otel: Configuration["tracing"]["otel"], serviceName: string, log: Logger): Promise<SpanExporter> | undefined {
  const options = { endpoint: otel.endpointAddress, isSecure: otel.isSecure, headers: otel.headers, serviceName };
  switch (otel.protocol) {
    case "http":
      return import("./otlp-http-exporter.js").then((m) => new m.OtlpHttpExporter(options));
    case "grpc":
      return import("./otlp-grpc-exporter.js").then((m) => new m.OtlpGrpcExporter(options));
    default:
      // daprd registers no OTLP exporter without a protocol; say so instead of staying silent.
      log.warn("tracing.otel.protocol is not set (http or grpc): spans are not exported over OTLP", { endpoint: otel.endpointAddress });
      return undefined;
  }
}

class LogTracer implements Tracer {
  readonly enabled = true;
  constructor(private readonly log: Logger) {}
  record(span: SpanRecord): void {
    this.log.info("span", { ...span });
  }
  async close(): Promise<void> {}
}

class FanOutTracer implements Tracer {
  readonly enabled = true;
  constructor(private readonly tracers: Tracer[]) {}
  record(span: SpanRecord): void {
    for (const t of this.tracers) t.record(span);
  }
  async close(): Promise<void> {
    await Promise.all(this.tracers.map((t) => t.close()));
  }
}
