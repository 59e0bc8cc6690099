// Fake OpenTelemetry collectors for tests: an OTLP/HTTP receiver (POST
// /v1/traces, protobuf body) and an OTLP/gRPC TraceService, both decoding what
// they receive with protobufjs from test/support/otlp-trace-service.proto, a
// definition independent of the sidecar's own encoder.
import http from "node:http";
import path from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { repoRoot } from "./sidecar-process.js";
import { freePort } from "./services.js";

export interface ReceivedSpan {
  serviceName: string;
  resource: Record<string, unknown>;
  scope: string;
  traceId: string;
  spanId: string;
  /** "" on a root span. */
  parentSpanId: string;
  name: string;
  /** 2 SERVER, 3 CLIENT. */
  kind: number;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: Record<string, unknown>;
  status: { code: number; message: string };
  flags: number;
}

interface AnyValueMsg { value?: string; string_value?: string; bool_value?: boolean; int_value?: string; double_value?: number }
interface KeyValueMsg { key: string; value: AnyValueMsg | null }
interface SpanMsg {
  trace_id: Buffer; span_id: Buffer; parent_span_id: Buffer; name: string; kind: number;
  start_time_unix_nano: string; end_time_unix_nano: string; attributes: KeyValueMsg[];
  status: { code: number; message: string } | null; flags: number;
}
interface RequestMsg {
  resource_spans: { resource: { attributes: KeyValueMsg[] } | null; scope_spans: { scope: { name: string } | null; spans: SpanMsg[] }[] }[];
}

const definition = protoLoader.loadSync(path.join(repoRoot, "test/support/otlp-trace-service.proto"), {
  keepCase: true, longs: String, enums: Number, defaults: true, oneofs: true,
});
const service = definition["opentelemetry.proto.collector.trace.v1.TraceService"] as protoLoader.ServiceDefinition;
const exportMethod = service["Export"]!;

function anyValue(v: AnyValueMsg | null): unknown {
  if (!v?.value) return undefined;
  const raw = v[v.value as keyof AnyValueMsg];
  return v.value === "int_value" ? BigInt(raw as string) : raw;
}

const attributes = (list: KeyValueMsg[]): Record<string, unknown> => Object.fromEntries(list.map((kv) => [kv.key, anyValue(kv.value)]));

/** The spans of one ExportTraceServiceRequest, flattened, each with its resource. */
export function decodeExportRequest(body: Buffer): ReceivedSpan[] {
  const req = exportMethod.requestDeserialize(body) as RequestMsg;
  return req.resource_spans.flatMap((rs) => {
    const resource = attributes(rs.resource?.attributes ?? []);
    return rs.scope_spans.flatMap((ss) => ss.spans.map((s): ReceivedSpan => ({
      serviceName: String(resource["service.name"] ?? ""),
      resource,
      scope: ss.scope?.name ?? "",
      traceId: s.trace_id.toString("hex"),
      spanId: s.span_id.toString("hex"),
      parentSpanId: s.parent_span_id.toString("hex"),
      name: s.name,
      kind: s.kind,
      startTimeUnixNano: BigInt(s.start_time_unix_nano),
      endTimeUnixNano: BigInt(s.end_time_unix_nano),
      attributes: attributes(s.attributes),
      status: { code: s.status?.code ?? 0, message: s.status?.message ?? "" },
      flags: s.flags,
    })));
  });
}

export interface FakeCollector {
  /** The value for tracing.otel.endpointAddress (host:port, no scheme, as Dapr's docs write it). */
  endpoint: string;
  spans: ReceivedSpan[];
  /**
   * Request headers (HTTP) or metadata (gRPC) of each export, lower-case keys, and the service
   * names of the spans it carried (a test run in parallel with others can get a stray export on
   * its port, from a sidecar elsewhere pointed at a collector that is gone).
   */
  requests: { path: string; headers: Record<string, string>; services: string[] }[];
  /** When set, exports are answered with this partial success (spans still recorded). */
  partialSuccess?: { rejected_spans: number; error_message: string };
  close(): Promise<void>;
}

function exportResponse(c: FakeCollector): Buffer {
  return exportMethod.responseSerialize(c.partialSuccess ? { partial_success: c.partialSuccess } : {});
}

function servicesOf(spans: ReceivedSpan[]): string[] {
  return [...new Set(spans.map((s) => s.serviceName))];
}

/** An OTLP/HTTP receiver: protobuf POSTs to /v1/traces are decoded; anything else gets 404 or 415. */
export async function startOtlpHttpCollector(): Promise<FakeCollector> {
  const port = await freePort();
  const c: FakeCollector = { endpoint: `127.0.0.1:${port}`, spans: [], requests: [], close: async () => {} };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (d: Buffer) => chunks.push(d));
    req.on("end", () => {
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      if (req.method !== "POST" || req.url !== "/v1/traces") {
        c.requests.push({ path: req.url ?? "", headers, services: [] });
        return void res.writeHead(404).end();
      }
      if (req.headers["content-type"] !== "application/x-protobuf") {
        c.requests.push({ path: req.url, headers, services: [] });
        return void res.writeHead(415).end();
      }
      const spans = decodeExportRequest(Buffer.concat(chunks));
      c.requests.push({ path: req.url, headers, services: servicesOf(spans) });
      c.spans.push(...spans);
      res.writeHead(200, { "content-type": "application/x-protobuf" }).end(exportResponse(c));
    });
  });
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  c.close = () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); });
  return c;
}

/** An OTLP/gRPC receiver serving opentelemetry.proto.collector.trace.v1.TraceService/Export in plaintext. */
export async function startOtlpGrpcCollector(): Promise<FakeCollector> {
  const server = new grpc.Server();
  const c: FakeCollector = { endpoint: "", spans: [], requests: [], close: async () => {} };
  server.addService(service as unknown as grpc.ServiceDefinition, {
    Export: (call: grpc.ServerUnaryCall<RequestMsg, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      const md = call.metadata.getMap();
      // Re-encode the decoded request so the same flattening serves both transports.
      const spans = decodeExportRequest(exportMethod.requestSerialize(call.request));
      c.requests.push({ path: exportMethod.path, headers: Object.fromEntries(Object.entries(md).map(([k, v]) => [k, String(v)])), services: servicesOf(spans) });
      c.spans.push(...spans);
      cb(null, c.partialSuccess ? { partial_success: c.partialSuccess } : {});
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  c.endpoint = `127.0.0.1:${port}`;
  c.close = () => new Promise((r) => server.tryShutdown(() => r()));
  return c;
}
