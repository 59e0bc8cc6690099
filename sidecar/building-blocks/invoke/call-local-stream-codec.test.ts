import { describe, expect, it } from "vitest";
import { serviceByName } from "../../api/grpc/protos.js";
import { frameMessage } from "../../api/grpc/h2/grpc-frames.js";
import { decodeRequestMessage, decodeResponseMessage, encodeRequestFrame, encodeRequestMessage, encodeResponseFrame } from "./call-local-stream-codec.js";

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

describe("CallLocalStream request frames", () => {
  it("are the encoded message behind its gRPC prefix, for heads, payloads and both", () => {
    const head = { method: "echo", contentType: "text/plain", verb: "POST", query: "q=1", metadata: { "dapr-caller-app-id": "a", traceparent: "00-x" } };
    const cases: [typeof head | undefined, { data: Buffer; seq: number } | undefined][] = [
      [head, { data: Buffer.alloc(1024, 1), seq: 0 }],
      [head, undefined],
      [undefined, { data: Buffer.from("more"), seq: 7 }],
      [undefined, { data: Buffer.alloc(0), seq: 0 }],
    ];
    for (const [h, p] of cases) {
      const frame = encodeRequestFrame(h, p);
      expect(frame).toEqual(frameMessage(encodeRequestMessage(h, p)));
      expect(frame.readUInt32BE(1)).toBe(frame.length - 5);
    }
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

describe("CallLocalStream request decoding (callee)", () => {
  const encode = (m: unknown) => def.requestSerialize(m) as Buffer;

  it("reads what protobufjs writes: head (several header values joined), verb, query, payload", () => {
    const bytes = encode({
      request: {
        ver: "V1",
        metadata: { "dapr-caller-app-id": { values: ["caller"] }, "x-a": { values: ["1", "2"] }, "x-none": { values: [] }, "x-ü": { values: ["✓"] } },
        message: { method: "orders/1", data: { type_url: "ignored", value: Buffer.from("ignored") }, content_type: "text/plain", http_extension: { verb: "DELETE", querystring: "a=1&b=ü" } },
      },
      payload: { data: Buffer.alloc(70_000, 3), seq: 0 },
    });
    const m = decodeRequestMessage(bytes);
    expect(m.request).toEqual({
      method: "orders/1", contentType: "text/plain", verb: "DELETE", query: "a=1&b=ü",
      metadata: { "dapr-caller-app-id": "caller", "x-a": "1, 2", "x-none": "", "x-ü": "✓" },
    });
    expect(Buffer.compare(m.payload!.data, Buffer.alloc(70_000, 3))).toBe(0);
    expect(m.payload!.seq).toBe(0);
  });

  it("reads an absent message and verb as empty and NONE, and a payload-only message without a head", () => {
    expect(decodeRequestMessage(encode({ request: { metadata: {} } }))).toEqual({ request: { method: "", contentType: "", verb: "NONE", query: "", metadata: {} } });
    expect(decodeRequestMessage(encode({ request: { message: { method: "m", http_extension: { verb: "NONE" } } } })).request?.verb).toBe("NONE");
    const p = decodeRequestMessage(encode({ payload: { data: Buffer.from("x"), seq: 2 ** 33 } }));
    expect(p.request).toBeUndefined();
    expect(p.payload).toEqual({ data: Buffer.from("x"), seq: 2 ** 33 });
    // An empty payload is still a payload (the caller's way of saying "no body").
    expect(decodeRequestMessage(encode({ payload: {} })).payload).toEqual({ data: Buffer.alloc(0), seq: 0 });
  });

  it("reads back strings of every length and alphabet, ASCII ones around the length written in JS", () => {
    for (const n of [0, 1, 63, 64, 65, 300]) {
      for (const ch of ["a", "é", "✓", "😀"]) {
        const s = ch.repeat(n);
        const head = { method: `m${s}`, contentType: s, verb: "POST", query: s, metadata: { [`x-${s}`]: s, plain: `v${s}` } };
        const viaProtobufjs = def.requestDeserialize(encodeRequestMessage(head, { data: Buffer.from(s), seq: 0 })) as { request: { message: { method: string } } };
        expect(viaProtobufjs.request.message.method).toBe(`m${s}`);
        expect(decodeRequestMessage(encodeRequestMessage(head, undefined)).request).toEqual(head);
      }
    }
  });

  it("reads header names the same however often they recur, and keeps apart names of one length", () => {
    // More distinct names than the decoder keeps at hand, each several times, in changing orders.
    const names = Array.from({ length: 50 }, (_, i) => `x-name-${String(i).padStart(2, "0")}`);
    for (let round = 0; round < 4; round++) {
      const order = round % 2 ? [...names].reverse() : names;
      const metadata = Object.fromEntries(order.map((k, i) => [k, `${round}-${i}`]));
      const head = { method: "m", contentType: "", verb: "GET", query: "", metadata };
      expect(decodeRequestMessage(encodeRequestMessage(head, undefined)).request?.metadata).toEqual(metadata);
    }
    const long = `x-${"n".repeat(100)}`;
    const head = { method: "m", contentType: "", verb: "GET", query: "", metadata: { [long]: "1", "x-ü": "2" } };
    expect(decodeRequestMessage(encodeRequestMessage(head, undefined)).request?.metadata).toEqual({ [long]: "1", "x-ü": "2" });
  });

  it("reads back every verb the caller's encoding writes", () => {
    for (const verb of ["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"]) {
      const head = { method: "m", contentType: "", verb, query: "", metadata: { a: "b" } };
      expect(decodeRequestMessage(encodeRequestMessage(head, undefined)).request).toEqual(head);
    }
  });

  it("throws on bytes that are not a message, and ignores a __proto__ header", () => {
    const good = encode({ request: { message: { method: "abc" } }, payload: { data: Buffer.from("abc"), seq: 1 } });
    const requestEnds = 2 + good[1]!;
    for (let cut = 1; cut < good.length; cut++) if (cut !== requestEnds) expect(() => decodeRequestMessage(good.subarray(0, cut))).toThrow();
    const m = decodeRequestMessage(encode({ request: { metadata: { ["__proto__"]: { values: ["x"] }, a: { values: ["1"] } } } }));
    expect(Object.getPrototypeOf(m.request!.metadata)).toBe(Object.prototype);
    expect(m.request!.metadata).toEqual({ a: "1" });
  });
});

describe("CallLocalStream response encoding (callee)", () => {
  /** The message inside a frame, checking the frame's prefix. */
  const unframe = (frame: Buffer) => {
    expect(frame[0]).toBe(0);
    expect(frame.readUInt32BE(1)).toBe(frame.length - 5);
    return def.responseDeserialize(frame.subarray(5)) as any;
  };

  it("reads back with protobufjs as the same status, headers, content type and payload", () => {
    const data = Buffer.alloc(70_000, 9);
    const m = unframe(encodeResponseFrame(
      { status: 404, message: "nöt found", headers: { "content-type": "text/plain", "x-empty": "", "x-ü": "wert ✓" }, contentType: "text/plain" },
      { data, seq: 0 },
    ));
    expect(m.response.status).toMatchObject({ code: 404, message: "nöt found" });
    expect(Object.fromEntries(Object.entries(m.response.headers).map(([k, v]: [string, any]) => [k, v.values]))).toEqual({
      "content-type": ["text/plain"], "x-empty": [""], "x-ü": ["wert ✓"],
    });
    expect(m.response.message.content_type).toBe("text/plain");
    expect(Buffer.compare(m.payload.data, data)).toBe(0);
  });

  it("writes a zero and a negative status code as protobufjs reads them, and payload-only messages", () => {
    expect(unframe(encodeResponseFrame({ status: 0, message: "", headers: {}, contentType: "" }, undefined)).response.status.code).toBe(0);
    expect(unframe(encodeResponseFrame({ status: -5, message: "", headers: {}, contentType: "" }, undefined)).response.status.code).toBe(-5);
    expect(unframe(encodeResponseFrame({ status: -(2 ** 31), message: "", headers: {}, contentType: "" }, undefined)).response.status.code).toBe(-(2 ** 31));
    const p = unframe(encodeResponseFrame(undefined, { data: Buffer.from("chunk"), seq: 2 ** 40 + 1 }));
    expect(p.response).toBeNull();
    expect(p.payload.data.toString()).toBe("chunk");
    expect(Number(p.payload.seq)).toBe(2 ** 40 + 1);
  });

  it("is read back by the caller's decoder", () => {
    const frame = encodeResponseFrame({ status: 201, message: "", headers: { a: "1" }, contentType: "application/json" }, { data: Buffer.from("{}"), seq: 0 });
    expect(decodeResponseMessage(frame.subarray(5))).toEqual({
      response: { status: 201, headers: { a: "1" }, contentType: "application/json" },
      payload: { data: Buffer.from("{}"), seq: 0 },
    });
  });

  it("carries given trailing bytes after the frame, in the same buffer", () => {
    const head = { status: 200, message: "", headers: { a: "1" }, contentType: "" };
    const frame = encodeResponseFrame(head, { data: Buffer.from("ok"), seq: 0 });
    const trailer = Buffer.from([0x80, 0, 0, 0, 0]);
    expect(encodeResponseFrame(head, { data: Buffer.from("ok"), seq: 0 }, trailer)).toEqual(Buffer.concat([frame, trailer]));
  });

  it("carries given trailing bytes after a request frame too", () => {
    const head = { method: "m", contentType: "text/plain", verb: "POST", query: "a=1", metadata: { "dapr-caller-app-id": "orders" } };
    const payload = { data: Buffer.from("hello"), seq: 0 };
    const trailer = Buffer.from([0x80, 0, 0, 0, 0]);
    expect(encodeRequestFrame(head, payload, trailer)).toEqual(Buffer.concat([encodeRequestFrame(head, payload), trailer]));
  });
});
