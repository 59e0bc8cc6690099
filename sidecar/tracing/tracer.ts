// Trace export for the spans the sidecar records (service invocation, client
// and server side), following the Configuration's `tracing`: Zipkin's v2 JSON
// API (`zipkin.endpointAddress`), or the log (`stdout: true`). Only sampled
// traces (traceparent flag 01) are exported; spans go out in batches so the
// request path only appends to an array.
import { randomBytes } from "node:crypto";
import type { Configuration } from "../config/configuration.js";
import type { Logger } from "../log/logger.js";

export interface SpanRecord {
  traceId: string;
  id: string;
  parentId?: string;
  name: string;
  kind: "CLIENT" | "SERVER";
  startMs: number;
  durationMs: number;
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
  const zipkin = config.tracing.zipkin.endpointAddress;
  if (zipkin) return new ZipkinTracer(zipkin, serviceName, logger.child("tracing"));
  if (config.tracing.stdout) return new LogTracer(logger.child("tracing"));
  if (config.tracing.otel.endpointAddress) {
    logger.warn("tracing.otel is not supported yet: spans are not exported (use tracing.zipkin)", { endpoint: config.tracing.otel.endpointAddress });
  }
  return noop;
}

class LogTracer implements Tracer {
  readonly enabled = true;
  constructor(private readonly log: Logger) {}
  record(span: SpanRecord): void {
    this.log.info("span", { ...span });
  }
  async close(): Promise<void> {}
}

class ZipkinTracer implements Tracer {
  readonly enabled = true;
  private batch: SpanRecord[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly endpoint: string, private readonly serviceName: string, private readonly log: Logger) {
    this.timer = setInterval(() => void this.flush(), 500);
    this.timer.unref();
  }

  record(span: SpanRecord): void {
    this.batch.push(span);
    if (this.batch.length >= 100) void this.flush();
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.batch.length === 0) return;
    const spans = this.batch;
    this.batch = [];
    const body = spans.map((s) => ({
      traceId: s.traceId,
      id: s.id,
      ...(s.parentId ? { parentId: s.parentId } : {}),
      name: s.name,
      kind: s.kind,
      timestamp: Math.round(s.startMs * 1000),
      duration: Math.max(1, Math.round(s.durationMs * 1000)),
      localEndpoint: { serviceName: this.serviceName },
      tags: s.tags,
    }));
    try {
      const r = await fetch(this.endpoint, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      if (!r.ok) this.log.warn("zipkin rejected spans", { status: r.status, spans: spans.length });
    } catch (err) {
      // Tracing must never break the calls it describes: drop the batch and say so.
      this.log.warn("could not export spans", { error: (err as Error).message, spans: spans.length });
    }
  }
}
