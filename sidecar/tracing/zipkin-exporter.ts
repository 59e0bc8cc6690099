// Zipkin's v2 JSON API (`tracing.zipkin.endpointAddress`, the full URL, e.g.
// http://localhost:9411/api/v2/spans). Timestamps and durations are microseconds.
import type { SpanExporter } from "./batch-tracer.js";
import type { SpanRecord } from "./tracer.js";

export class ZipkinExporter implements SpanExporter {
  constructor(private readonly endpoint: string, private readonly serviceName: string) {}

  async export(spans: readonly SpanRecord[], signal: AbortSignal): Promise<void> {
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
    const r = await fetch(this.endpoint, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), signal });
    await r.body?.cancel();
    if (!r.ok) throw new Error(`zipkin answered ${r.status}`);
  }
}
