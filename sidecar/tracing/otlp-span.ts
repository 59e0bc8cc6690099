// The OTLP view of the sidecar's spans: what goes into an
// ExportTraceServiceRequest, before any wire encoding. Kept as plain data so
// the mapping can be tested on its own.
import { STATUS_CODES } from "node:http";
import type { SpanRecord } from "./tracer.js";

export type AttributeValue = string | boolean | number;
export interface Attribute { key: string; value: AttributeValue }

/** opentelemetry.proto.trace.v1.Span.SpanKind */
export const SpanKind = { SERVER: 2, CLIENT: 3 } as const;
/** opentelemetry.proto.trace.v1.Status.StatusCode */
export const StatusCode = { UNSET: 0, OK: 1, ERROR: 2 } as const;

export interface OtlpSpan {
  traceId: Buffer; // 16 bytes
  spanId: Buffer; // 8 bytes
  parentSpanId?: Buffer; // absent on a root span
  name: string;
  kind: number;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: Attribute[];
  status: { code: number; message: string };
  /** W3C trace flags; only sampled spans are recorded, so always 01. */
  flags: number;
}

export interface OtlpResourceSpans {
  resource: Attribute[];
  scope: { name: string };
  spans: OtlpSpan[];
}

/** The instrumentation scope daprd's spans carry. */
export const scopeName = "dapr-diagnostics";

export function toOtlpSpan(s: SpanRecord): OtlpSpan {
  const startNs = msToNanos(s.startMs);
  return {
    traceId: Buffer.from(s.traceId, "hex"),
    spanId: Buffer.from(s.id, "hex"),
    ...(s.parentId ? { parentSpanId: Buffer.from(s.parentId, "hex") } : {}),
    name: s.name,
    kind: s.kind === "SERVER" ? SpanKind.SERVER : SpanKind.CLIENT,
    startTimeUnixNano: startNs,
    endTimeUnixNano: startNs + msToNanos(Math.max(0, s.durationMs)),
    attributes: Object.entries(s.tags).map(([key, value]) => ({ key, value })),
    status: spanStatus(s.tags["http.status_code"]),
    flags: 0x01,
  };
}

/** Milliseconds since the epoch as exact nanoseconds (ms * 1e6 is beyond a double's integer precision). */
function msToNanos(ms: number): bigint {
  const whole = Math.floor(ms);
  return BigInt(whole) * 1_000_000n + BigInt(Math.round((ms - whole) * 1e6));
}

/**
 * daprd's rule for HTTP-shaped results: 400 and above is an error described as
 * "Code(404): Not Found", anything else leaves the status unset. A call that
 * got no answer at all (recorded as a non-number, e.g. "error") is an error too.
 */
export function spanStatus(status: string | undefined): { code: number; message: string } {
  if (status === undefined || status === "") return { code: StatusCode.UNSET, message: "" };
  const n = Number(status);
  if (!Number.isInteger(n)) return { code: StatusCode.ERROR, message: status };
  if (n < 400) return { code: StatusCode.UNSET, message: "" };
  return { code: StatusCode.ERROR, message: `Code(${n}): ${STATUS_CODES[n] ?? "Unknown"}` };
}

/**
 * The resource every span of this sidecar belongs to: `service.name` is the app
 * id, overridden by OTEL_SERVICE_NAME; OTEL_RESOURCE_ATTRIBUTES ("k=v,k2=v2",
 * values percent-encoded) adds attributes, as daprd reads them from the environment.
 */
export function otlpResource(appId: string, env: NodeJS.ProcessEnv = process.env): Attribute[] {
  const attrs = new Map<string, string>();
  for (const pair of (env.OTEL_RESOURCE_ATTRIBUTES ?? "").split(",")) {
    const eq = pair.indexOf("=");
    if (eq <= 0) continue;
    try {
      attrs.set(pair.slice(0, eq).trim(), decodeURIComponent(pair.slice(eq + 1).trim()));
    } catch {
      // A malformed escape makes the pair unusable, not the resource.
    }
  }
  const override = env.OTEL_SERVICE_NAME?.trim();
  attrs.set("service.name", override || attrs.get("service.name") || appId);
  return [...attrs].map(([key, value]) => ({ key, value }));
}

export function toResourceSpans(spans: readonly SpanRecord[], resource: Attribute[]): OtlpResourceSpans {
  return { resource, scope: { name: scopeName }, spans: spans.map(toOtlpSpan) };
}
