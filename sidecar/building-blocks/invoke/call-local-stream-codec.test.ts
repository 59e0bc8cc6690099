import { describe, expect, it } from "vitest";
import { serviceByName } from "../../api/grpc/protos.js";
import { decodeResponseMessage, encodeRequestMessage } from "./call-local-stream-codec.js";

const def = serviceByName("dapr.proto.internals.v1.ServiceInvocation")["CallLocalStream"]!;

describe("CallLocalStream request encoding", () => {
  it("reads back with protobufjs as the same request head and payload", () => {
    const metadata = { "content-type": "application/json", traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "x-empty": "", "x-ünïcode": "wert ✓" };
    const data = Buffer.alloc(70_000, 7); // a length that needs a three-byte varint
    const bytes = encodeRequestMessage({ method: "orders/1", contentType: "application/json", verb: "PATCH", query: "a=1&b=ü", metadata }, { data, seq: 0 });
    const m = def.requestDeserialize(bytes) as any;
    expect(m.request.ver).toBe("V1");
    expect(m.request.message).toMatchObject({ method: "orders/1", content_type: "application/json", http_extension: { verb: "PATCH", querystring: "a=1&b=ü" } });
    expect(Object.fromEntries(Object.entries(m.request.metadata).map(([k, v]: [string, any]) => [k, v.values]))).toEqual({
      "content-type": ["application/json"], traceparent: [metadata.traceparent], "x-empty": [""], "x-ünïcode": ["wert ✓"],
    });
    expect(Buffer.compare(m.payload.data, data)).toBe(0);
    expect(Number(m.payload.seq)).toBe(0);
  });

  it("leaves out what is empty, and sends a verb it does not know as NONE", () => {
    const m = def.requestDeserialize(encodeRequestMessage({ method: "", contentType: "", verb: "PROPFIND", query: "", metadata: {} }, undefined)) as any;
    expect(m.request.message).toMatchObject({ method: "", content_type: "", http_extension: { verb: "NONE", querystring: "" } });
    expect(m.payload).toBeNull();
  });

  it("encodes payload-only messages with their sequence number, including an empty payload", () => {
    const m = def.requestDeserialize(encodeRequestMessage(undefined, { data: Buffer.from("chunk"), seq: 300 })) as any;
    expect(m.request).toBeNull();
    expect(m.payload.data.toString()).toBe("chunk");
    expect(Number(m.payload.seq)).toBe(300);
    const empty = encodeRequestMessage(undefined, { data: Buffer.alloc(0), seq: 0 });
    expect(empty).toEqual(Buffer.from([0x12, 0x00]));
    expect((def.requestDeserialize(empty) as any).payload).toEqual({ data: Buffer.alloc(0), seq: 0 });
  });
});

describe("CallLocalStream response decoding", () => {
  const encode = (m: unknown) => def.responseSerialize(m) as Buffer;

  it("reads what protobufjs writes: status, headers (several values joined), content type, payload", () => {
    const bytes = encode({
      response: {
        status: { code: 404, message: "not found" },
        headers: { "content-type": { values: ["text/plain"] }, "set-cookie": { values: ["a=1", "b=2"] }, "x-none": { values: [] } },
        trailers: { t: { values: ["x"] } },
        message: { data: { type_url: "ignored", value: Buffer.from("ignored") }, content_type: "text/plain" },
      },
      payload: { data: Buffer.from("hello"), seq: 0 },
    });
    const m = decodeResponseMessage(bytes);
    expect(m.response).toEqual({ status: 404, headers: { "content-type": "text/plain", "set-cookie": "a=1, b=2", "x-none": "" }, contentType: "text/plain" });
    expect(m.payload?.data.toString()).toBe("hello");
    expect(m.payload?.seq).toBe(0);
  });

  it("reads a missing status as 200, a negative code as itself, and large sequence numbers", () => {
    expect(decodeResponseMessage(encode({ response: { headers: {} } })).response?.status).toBe(200);
    expect(decodeResponseMessage(encode({ response: { status: { code: -5 } } })).response?.status).toBe(-5);
    const p = decodeResponseMessage(encode({ payload: { data: Buffer.alloc(0), seq: 2 ** 40 + 3 } }));
    expect(p.response).toBeUndefined();
    expect(p.payload).toEqual({ data: Buffer.alloc(0), seq: 2 ** 40 + 3 });
  });

  it("throws on bytes that are not a message instead of reading past them", () => {
    const good = encode({ response: { status: { code: 200 } }, payload: { data: Buffer.from("abc"), seq: 1 } });
    const responseEnds = 2 + good[1]!; // a cut there leaves a whole (shorter) message
    for (let cut = 1; cut < good.length; cut++) if (cut !== responseEnds) expect(() => decodeResponseMessage(good.subarray(0, cut))).toThrow();
    expect(() => decodeResponseMessage(Buffer.from([0x0b]))).toThrow(/wire type/);
    expect(() => decodeResponseMessage(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]))).toThrow();
  });

  it("ignores a __proto__ header rather than changing the record's prototype", () => {
    const m = decodeResponseMessage(encode({ response: { headers: { ["__proto__"]: { values: ["x"] }, a: { values: ["1"] } } } }));
    expect(Object.getPrototypeOf(m.response!.headers)).toBe(Object.prototype);
    expect(m.response!.headers).toEqual({ a: "1" });
  });
});
