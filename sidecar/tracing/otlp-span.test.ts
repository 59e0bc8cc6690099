import { describe, expect, it } from "vitest";
import { decodeExportRequest } from "../../test/support/otlp-collector.js";
import { decodePartialSuccess, encodeExportRequest } from "./otlp-protobuf.js";
import { otlpResource, scopeName, spanStatus, SpanKind, StatusCode, toOtlpSpan, toResourceSpans } from "./otlp-span.js";
import type { SpanRecord } from "./tracer.js";

const client: SpanRecord = {
  traceId: "0af7651916cd43dd8448eb211c80319c",
  id: "b7ad6b7169203331",
  parentId: "00f067aa0ba902b7",
  name: "CallLocal/orders/create",
  kind: "CLIENT",
  startMs: 1_700_000_000_123,
  durationMs: 7,
  tags: { "dapr.app_id": "orders", "http.status_code": "200" },
};

describe("span -> OTLP mapping", () => {
  it("keeps ids, name, kind, times and Dapr's attributes", () => {
    const s = toOtlpSpan(client);
    expect(s.traceId.toString("hex")).toBe(client.traceId);
    expect(s.spanId.toString("hex")).toBe(client.id);
    expect(s.parentSpanId?.toString("hex")).toBe(client.parentId);
    expect(s.name).toBe("CallLocal/orders/create");
    expect(s.kind).toBe(SpanKind.CLIENT);
    expect(toOtlpSpan({ ...client, kind: "SERVER" }).kind).toBe(SpanKind.SERVER);
    expect(s.startTimeUnixNano).toBe(1_700_000_000_123_000_000n);
    expect(s.endTimeUnixNano - s.startTimeUnixNano).toBe(7_000_000n);
    expect(s.attributes).toEqual([{ key: "dapr.app_id", value: "orders" }, { key: "http.status_code", value: "200" }]);
    expect(s.status).toEqual({ code: StatusCode.UNSET, message: "" });
    expect(s.flags).toBe(1);
  });

  it("leaves the parent out of a root span", () => {
    expect(toOtlpSpan({ ...client, parentId: undefined }).parentSpanId).toBeUndefined();
  });

  it("sets the status as daprd does: errors from 400 up and for calls without an answer", () => {
    expect(spanStatus("204")).toEqual({ code: StatusCode.UNSET, message: "" });
    expect(spanStatus("399")).toEqual({ code: StatusCode.UNSET, message: "" });
    expect(spanStatus("404")).toEqual({ code: StatusCode.ERROR, message: "Code(404): Not Found" });
    expect(spanStatus("503")).toEqual({ code: StatusCode.ERROR, message: "Code(503): Service Unavailable" });
    expect(spanStatus("599")).toEqual({ code: StatusCode.ERROR, message: "Code(599): Unknown" });
    expect(spanStatus("error")).toEqual({ code: StatusCode.ERROR, message: "error" });
    expect(spanStatus(undefined)).toEqual({ code: StatusCode.UNSET, message: "" });
  });

  it("names the service after the app id unless the OTEL_* environment says otherwise", () => {
    expect(otlpResource("orders", {})).toEqual([{ key: "service.name", value: "orders" }]);
    expect(otlpResource("orders", { OTEL_RESOURCE_ATTRIBUTES: "deployment.environment=prod,team=a%20b,bad" })).toEqual([
      { key: "deployment.environment", value: "prod" },
      { key: "team", value: "a b" },
      { key: "service.name", value: "orders" },
    ]);
    expect(otlpResource("orders", { OTEL_RESOURCE_ATTRIBUTES: "service.name=from-attrs" })).toEqual([{ key: "service.name", value: "from-attrs" }]);
    expect(otlpResource("orders", { OTEL_RESOURCE_ATTRIBUTES: "service.name=from-attrs", OTEL_SERVICE_NAME: "named" })).toEqual([{ key: "service.name", value: "named" }]);
  });
});

describe("ExportTraceServiceRequest protobuf", () => {
  it("decodes, with an independent OTLP schema, to the spans that were recorded", () => {
    const server: SpanRecord = { ...client, id: "1111111111111111", parentId: client.id, name: "/create", kind: "SERVER", tags: { "dapr.app_id": "orders", "http.status_code": "500" } };
    const body = encodeExportRequest([toResourceSpans([client, server], otlpResource("checkout", {}))]);
    const spans = decodeExportRequest(body);
    expect(spans).toHaveLength(2);
    expect(spans[0]).toEqual({
      serviceName: "checkout",
      resource: { "service.name": "checkout" },
      scope: scopeName,
      traceId: client.traceId,
      spanId: client.id,
      parentSpanId: client.parentId,
      name: client.name,
      kind: 3,
      startTimeUnixNano: 1_700_000_000_123_000_000n,
      endTimeUnixNano: 1_700_000_000_130_000_000n,
      attributes: { "dapr.app_id": "orders", "http.status_code": "200" },
      status: { code: 0, message: "" },
      flags: 1,
    });
    expect(spans[1]).toMatchObject({ kind: 2, parentSpanId: client.id, status: { code: 2, message: "Code(500): Internal Server Error" } });
  });

  it("writes a root span without parent and an empty batch as an empty request", () => {
    const [root] = decodeExportRequest(encodeExportRequest([toResourceSpans([{ ...client, parentId: undefined }], otlpResource("a", {}))]));
    expect(root!.parentSpanId).toBe("");
    expect(encodeExportRequest([]).length).toBe(0);
  });

  it("encodes non-string attribute values with their OTLP types", () => {
    const group = toResourceSpans([client], [{ key: "service.name", value: "a" }, { key: "n", value: -3 }, { key: "ok", value: true }, { key: "ratio", value: 0.5 }]);
    const [s] = decodeExportRequest(encodeExportRequest([group]));
    expect(s!.resource).toEqual({ "service.name": "a", n: -3n, ok: true, ratio: 0.5 });
  });
});

describe("ExportTraceServiceResponse partial success", () => {
  // { partial_success 1: { rejected_spans 1 = 2, error_message 2 = "no" } }
  const inner = Buffer.from([0x08, 0x02, 0x12, 0x02, 0x6e, 0x6f]);
  it("reads rejected spans and the message", () => {
    expect(decodePartialSuccess(Buffer.concat([Buffer.from([0x0a, inner.length]), inner]))).toEqual({ rejectedSpans: 2, errorMessage: "no" });
  });
  it("treats an empty or unreadable answer as full success", () => {
    expect(decodePartialSuccess(Buffer.alloc(0))).toBeUndefined();
    expect(decodePartialSuccess(Buffer.from([0x0a, 0x00]))).toBeUndefined();
    expect(decodePartialSuccess(Buffer.from([0x0a, 0x40, 0x01]))).toBeUndefined();
  });
});
