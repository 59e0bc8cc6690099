// Protobuf encoding of opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest,
// the body of both OTLP/HTTP (application/x-protobuf) and OTLP/gRPC. Only the
// fields the sidecar fills are written; the field numbers are OTLP's
// (opentelemetry-proto: trace/v1/trace.proto, common/v1/common.proto).
import type { Attribute, OtlpResourceSpans, OtlpSpan } from "./otlp-span.js";

const VARINT = 0;
const FIXED64 = 1;
const LEN = 2;
const FIXED32 = 5;

function varint(n: number | bigint): Buffer {
  let v = BigInt(n);
  if (v < 0n) v = BigInt.asUintN(64, v); // int64 negatives are ten-byte two's complement
  const out: number[] = [];
  while (v > 0x7fn) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Buffer.from(out);
}

const key = (field: number, wire: number): Buffer => varint((field << 3) | wire);

const lenField = (field: number, payload: Buffer): Buffer => Buffer.concat([key(field, LEN), varint(payload.length), payload]);
const stringField = (field: number, s: string): Buffer => lenField(field, Buffer.from(s, "utf8"));
const varintField = (field: number, n: number | bigint): Buffer => Buffer.concat([key(field, VARINT), varint(n)]);

function fixed64Field(field: number, n: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(n);
  return Buffer.concat([key(field, FIXED64), b]);
}

function fixed32Field(field: number, n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return Buffer.concat([key(field, FIXED32), b]);
}

function doubleField(field: number, n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(n);
  return Buffer.concat([key(field, FIXED64), b]);
}

/** common.v1.AnyValue: string_value 1, bool_value 2, int_value 3, double_value 4. */
function anyValue(v: Attribute["value"]): Buffer {
  if (typeof v === "string") return stringField(1, v);
  if (typeof v === "boolean") return varintField(2, v ? 1 : 0);
  return Number.isInteger(v) ? varintField(3, BigInt(v)) : doubleField(4, v);
}

/** common.v1.KeyValue: key 1, value 2. */
const keyValue = (a: Attribute): Buffer => Buffer.concat([stringField(1, a.key), lenField(2, anyValue(a.value))]);

/** trace.v1.Span, fields 1-16 as numbered in trace.proto. */
function span(s: OtlpSpan): Buffer {
  const parts = [lenField(1, s.traceId), lenField(2, s.spanId)];
  if (s.parentSpanId) parts.push(lenField(4, s.parentSpanId));
  parts.push(stringField(5, s.name), varintField(6, s.kind), fixed64Field(7, s.startTimeUnixNano), fixed64Field(8, s.endTimeUnixNano));
  for (const a of s.attributes) parts.push(lenField(9, keyValue(a)));
  // Status: message 2, code 3 (field 1 is reserved).
  const status = [];
  if (s.status.message) status.push(stringField(2, s.status.message));
  if (s.status.code) status.push(varintField(3, s.status.code));
  parts.push(lenField(15, Buffer.concat(status)));
  parts.push(fixed32Field(16, s.flags));
  return Buffer.concat(parts);
}

/** ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1 }. */
export function encodeExportRequest(groups: readonly OtlpResourceSpans[]): Buffer {
  return Buffer.concat(groups.map((g) => {
    // Resource { attributes 1 }; ScopeSpans { scope 1 (InstrumentationScope { name 1 }), spans 2 }.
    const resource = Buffer.concat(g.resource.map((a) => lenField(1, keyValue(a))));
    const scopeSpans = Buffer.concat([lenField(1, stringField(1, g.scope.name)), ...g.spans.map((s) => lenField(2, span(s)))]);
    // ResourceSpans { resource 1, scope_spans 2 }.
    return lenField(1, Buffer.concat([lenField(1, resource), lenField(2, scopeSpans)]));
  }));
}

/**
 * The partial_success of an ExportTraceServiceResponse
 * ({ partial_success 1: { rejected_spans 1, error_message 2 } }), or undefined
 * when the collector accepted everything. An unreadable body counts as accepted:
 * the transport already said the request succeeded.
 */
export function decodePartialSuccess(body: Uint8Array): { rejectedSpans: number; errorMessage: string } | undefined {
  try {
    const partial = fields(body).find((f) => f.field === 1 && f.bytes);
    if (!partial?.bytes) return undefined;
    let rejectedSpans = 0;
    let errorMessage = "";
    for (const f of fields(partial.bytes)) {
      if (f.field === 1 && f.num !== undefined) rejectedSpans = Number(BigInt.asIntN(64, f.num));
      if (f.field === 2 && f.bytes) errorMessage = Buffer.from(f.bytes).toString("utf8");
    }
    return rejectedSpans > 0 || errorMessage ? { rejectedSpans, errorMessage } : undefined;
  } catch {
    return undefined;
  }
}

interface RawField { field: number; num?: bigint; bytes?: Uint8Array }

/** The top-level fields of one message (enough to read a response; nested messages stay as bytes). */
function fields(buf: Uint8Array): RawField[] {
  const out: RawField[] = [];
  let pos = 0;
  const readVarint = (): bigint => {
    let result = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (pos >= buf.length || shift > 63n) throw new Error("truncated varint");
      const byte = buf[pos++]!;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
    }
  };
  while (pos < buf.length) {
    const tag = Number(readVarint());
    const field = tag >>> 3;
    switch (tag & 7) {
      case VARINT: out.push({ field, num: readVarint() }); break;
      case FIXED64: pos += 8; break;
      case FIXED32: pos += 4; break;
      case LEN: {
        const len = Number(readVarint());
        if (pos + len > buf.length) throw new Error("truncated field");
        out.push({ field, bytes: buf.subarray(pos, pos + len) });
        pos += len;
        break;
      }
      default: throw new Error(`unsupported wire type ${tag & 7}`);
    }
  }
  return out;
}
