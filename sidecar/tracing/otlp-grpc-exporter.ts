// OTLP/gRPC (`tracing.otel.protocol: grpc`): the unary
// opentelemetry.proto.collector.trace.v1.TraceService/Export on one long-lived
// channel, plaintext unless `isSecure`, the Configuration's headers sent as
// metadata. The request bytes come from our encoder, so grpc-js needs no .proto.
import * as grpc from "@grpc/grpc-js";
import type { SpanExporter } from "./batch-tracer.js";
import { otlpGrpcTarget, type OtlpExporterOptions } from "./otlp-endpoint.js";
import { decodePartialSuccess, encodeExportRequest } from "./otlp-protobuf.js";
import { otlpResource, toResourceSpans, type Attribute } from "./otlp-span.js";
import type { SpanRecord } from "./tracer.js";

const exportMethod = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";
const asIs = (b: Buffer): Buffer => b;

export class OtlpGrpcExporter implements SpanExporter {
  private readonly client: grpc.Client;
  private readonly metadata = new grpc.Metadata();
  private readonly resource: Attribute[];
  private readonly target: string;

  constructor(o: OtlpExporterOptions) {
    const { target, secure } = otlpGrpcTarget(o.endpoint, o.isSecure);
    this.target = target;
    // Metadata keys are lowercase tokens; a header gRPC cannot carry fails here, at start-up, naming itself.
    for (const [k, v] of Object.entries(o.headers)) this.metadata.set(k.toLowerCase(), v);
    this.client = new grpc.Client(target, secure ? grpc.credentials.createSsl() : grpc.credentials.createInsecure());
    this.resource = otlpResource(o.serviceName);
  }

  export(spans: readonly SpanRecord[], signal: AbortSignal): Promise<void> {
    const body = encodeExportRequest([toResourceSpans(spans, this.resource)]);
    return new Promise<void>((resolve, reject) => {
      let call: grpc.ClientUnaryCall | undefined;
      const cancel = (): void => call?.cancel();
      call = this.client.makeUnaryRequest(exportMethod, asIs, asIs, body, this.metadata.clone(), {}, (err, answer) => {
        signal.removeEventListener("abort", cancel);
        if (err) {
          const why = signal.aborted ? "timed out" : `${grpc.status[err.code] ?? err.code}: ${err.details}`;
          return reject(new Error(`OTLP collector at ${this.target}: ${why}`));
        }
        const partial = answer ? decodePartialSuccess(answer) : undefined;
        if (partial) return reject(new Error(`OTLP collector rejected ${partial.rejectedSpans} of ${spans.length} spans: ${partial.errorMessage}`));
        resolve();
      });
      if (signal.aborted) cancel();
      else signal.addEventListener("abort", cancel, { once: true });
    });
  }

  async close(): Promise<void> {
    this.client.close();
  }
}
