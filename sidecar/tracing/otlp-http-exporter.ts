// OTLP/HTTP with binary protobuf bodies (`tracing.otel.protocol: http`), what
// daprd's Go exporter sends: POST <endpoint>/v1/traces,
// content-type application/x-protobuf, the Configuration's headers added.
import type { SpanExporter } from "./batch-tracer.js";
import { otlpHttpUrl, type OtlpExporterOptions } from "./otlp-endpoint.js";
import { decodePartialSuccess, encodeExportRequest } from "./otlp-protobuf.js";
import { otlpResource, toResourceSpans, type Attribute } from "./otlp-span.js";
import type { SpanRecord } from "./tracer.js";

export class OtlpHttpExporter implements SpanExporter {
  private readonly url: URL;
  private readonly headers: Record<string, string>;
  private readonly resource: Attribute[];

  constructor(o: OtlpExporterOptions) {
    this.url = otlpHttpUrl(o.endpoint, o.isSecure);
    // User headers (e.g. an API key) may not replace the content type the body needs.
    const user = Object.entries(o.headers).filter(([k]) => k.toLowerCase() !== "content-type");
    this.headers = { ...Object.fromEntries(user), "content-type": "application/x-protobuf" };
    this.resource = otlpResource(o.serviceName);
  }

  async export(spans: readonly SpanRecord[], signal: AbortSignal): Promise<void> {
    const body = encodeExportRequest([toResourceSpans(spans, this.resource)]);
    const r = await fetch(this.url, { method: "POST", headers: this.headers, body, signal });
    const answer = new Uint8Array(await r.arrayBuffer());
    if (!r.ok) throw new Error(`OTLP collector at ${this.url.href} answered ${r.status}`);
    // A collector answers in the request's encoding; anything else carries no partial success to read.
    const type = r.headers.get("content-type") ?? "";
    const partial = type === "" || type.includes("protobuf") ? decodePartialSuccess(answer) : undefined;
    if (partial) throw new Error(`OTLP collector rejected ${partial.rejectedSpans} of ${spans.length} spans: ${partial.errorMessage}`);
  }
}
