import { describe, it, expect } from "vitest";
import {
  CloudEventError,
  completeCloudEvent,
  deliveryEnvelope,
  eventDataBytes,
  hasExpired,
  isJsonContentType,
  newCloudEvent,
  parseCloudEvent,
  publishPayload,
  validateCloudEvent,
  type EnvelopeInput,
} from "./cloudevent.js";

const now = new Date("2026-01-02T03:04:05.678Z");
const base = (over: Partial<EnvelopeInput> = {}): EnvelopeInput => ({
  data: Buffer.from("hello"),
  topic: "orders",
  pubsubName: "pubsub",
  appId: "checkout",
  now,
  newId: () => "id-1",
  ...over,
});

describe("newCloudEvent", () => {
  it("builds Dapr's envelope with text/plain by default", () => {
    const ce = newCloudEvent(base({ traceparent: "00-abc-def-01", tracestate: "k=v" }));
    expect(ce).toEqual({
      id: "id-1",
      source: "checkout",
      type: "com.dapr.event.sent",
      specversion: "1.0",
      datacontenttype: "text/plain",
      data: "hello",
      topic: "orders",
      pubsubname: "pubsub",
      traceid: "00-abc-def-01",
      traceparent: "00-abc-def-01",
      tracestate: "k=v",
      time: "2026-01-02T03:04:05Z",
    });
  });

  it("embeds JSON content as JSON, and keeps a string when it does not parse", () => {
    expect(newCloudEvent(base({ data: Buffer.from('{"a":[1,2]}'), contentType: "application/json" })).data).toEqual({ a: [1, 2] });
    expect(newCloudEvent(base({ data: Buffer.from('{"a":1}'), contentType: "application/vnd.x+json; charset=utf-8" })).data).toEqual({ a: 1 });
    expect(newCloudEvent(base({ data: Buffer.from("{broken"), contentType: "application/json" })).data).toBe("{broken");
  });

  it("puts binary and protobuf content in data_base64", () => {
    const bytes = Buffer.from([0, 255, 1, 2]);
    for (const ct of ["application/octet-stream", "application/x-protobuf"]) {
      const ce = newCloudEvent(base({ data: bytes, contentType: ct }));
      expect(ce.data).toBeUndefined();
      expect(ce.data_base64).toBe(bytes.toString("base64"));
      expect(eventDataBytes(ce)).toEqual(bytes);
    }
  });

  it("applies cloudevent.* metadata overrides", () => {
    const ce = newCloudEvent(
      base({
        metadata: { "cloudevent.id": "my-id", "cloudevent.source": "src", "cloudevent.type": "t", "cloudevent.subject": "s", "cloudevent.traceparent": "tp" },
      }),
    );
    expect([ce.id, ce.source, ce.type, ce.subject, ce.traceparent]).toEqual(["my-id", "src", "t", "s", "tp"]);
  });

  it("adds expiration only when the broker lacks native TTL", () => {
    const withTtl = { metadata: { ttlInSeconds: "10" } };
    expect(newCloudEvent(base(withTtl)).expiration).toBe("2026-01-02T03:04:15Z");
    expect(newCloudEvent(base({ ...withTtl, brokerHasNativeTtl: true })).expiration).toBeUndefined();
    expect(newCloudEvent(base()).expiration).toBeUndefined();
  });

  it("rejects a bad ttlInSeconds with a clear error", () => {
    expect(() => newCloudEvent(base({ metadata: { ttlInSeconds: "soon" } }))).toThrow(/ttlInSeconds must be a positive integer/);
  });
});

describe("completeCloudEvent", () => {
  it("keeps the caller's fields and fills in Dapr's", () => {
    const mine = { id: "abc", source: "me", type: "my.type", specversion: "1.0", data: { x: 1 }, custom: "kept" };
    const ce = completeCloudEvent(Buffer.from(JSON.stringify(mine)), base({ traceparent: "tp" }));
    expect(ce).toMatchObject({ ...mine, topic: "orders", pubsubname: "pubsub", traceid: "tp", traceparent: "tp", time: "2026-01-02T03:04:05Z" });
  });

  it("fills missing attributes with Dapr's defaults", () => {
    const ce = completeCloudEvent(Buffer.from(JSON.stringify({ data: "x" })), base());
    expect([ce.id, ce.source, ce.type, ce.specversion]).toEqual(["id-1", "Dapr", "com.dapr.event.sent", "1.0"]);
  });

  it("rejects non-JSON and non-object bodies and wrong spec versions", () => {
    expect(() => completeCloudEvent(Buffer.from("nope"), base())).toThrow(CloudEventError);
    expect(() => completeCloudEvent(Buffer.from("[1]"), base())).toThrow(/JSON object/);
    expect(() => completeCloudEvent(Buffer.from('{"specversion":"0.3"}'), base())).toThrow(/specversion '0.3'/);
  });
});

describe("publishPayload", () => {
  it("passes raw payloads through untouched", () => {
    const out = publishPayload(base({ data: Buffer.from([1, 2, 3]), metadata: { rawPayload: "true" } }));
    expect(out.data).toEqual(Buffer.from([1, 2, 3]));
  });

  it("serialises an envelope, or a completed caller CloudEvent", () => {
    const env = publishPayload(base());
    expect(env.contentType).toBe("application/cloudevents+json");
    expect(JSON.parse(env.data.toString()).data).toBe("hello");
    const own = publishPayload(base({ data: Buffer.from('{"id":"x","source":"s","type":"t","specversion":"1.0"}'), contentType: "application/cloudevents+json" }));
    expect(JSON.parse(own.data.toString())).toMatchObject({ id: "x", source: "s", topic: "orders" });
  });

  it("writes exactly the bytes of Buffer.from(JSON.stringify(envelope)), ASCII or not", () => {
    const texts: Buffer[] = [
      Buffer.from(""), Buffer.from("hello"), Buffer.alloc(4096, "a"), Buffer.from("héllo → 世界 🎉"),
      Buffer.from('say "hi"'), Buffer.from("back\\slash"), Buffer.from("line\nbreak\ttab\u0000nul"), Buffer.from("\u2028\u2029\u007f"),
      Buffer.from('"data":""'), Buffer.from([0xc3, 0x28]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xff, 0x41]),
    ];
    // Random bytes: mostly invalid UTF-8 or with characters to escape, so the slow path is compared too.
    let seed = 7;
    for (let n = 0; n < 50; n++) texts.push(Buffer.from(Array.from({ length: n * 3 }, () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 256)));
    const variants: Partial<EnvelopeInput>[] = [
      {},
      { contentType: "text/plain; charset=utf-8", topic: 'we"ird\\topic "data":"" é' },
      { metadata: { "cloudevent.subject": '"data":""', "cloudevent.id": "mine", ttlInSeconds: "10" } },
      { contentType: "application/xml", traceparent: "00-abc-def-01", tracestate: "k=v" },
    ];
    for (const data of texts) {
      for (const v of variants) {
        const input = base({ ...v, data });
        expect(publishPayload(input).data.toString("latin1")).toBe(Buffer.from(JSON.stringify(newCloudEvent(input))).toString("latin1"));
      }
    }
    for (const own of ['{"id":"x","source":"s","type":"t","specversion":"1.0","data":"plain"}', '{"id":"é","source":"s","type":"t","specversion":"1.0","data":{"k":"\ud83c"}}']) {
      const input = base({ data: Buffer.from(own), contentType: "application/cloudevents+json" });
      expect(publishPayload(input).data.toString("latin1")).toBe(Buffer.from(JSON.stringify(completeCloudEvent(Buffer.from(own), input))).toString("latin1"));
    }
  });

  it("stamps the current second, however often the same second is formatted", () => {
    const at = (iso: string) => JSON.parse(publishPayload(base({ now: new Date(iso) })).data.toString()).time;
    expect(at("2026-01-02T03:04:05.001Z")).toBe("2026-01-02T03:04:05Z");
    expect(at("2026-01-02T03:04:05.999Z")).toBe("2026-01-02T03:04:05Z");
    expect(at("2026-01-02T03:04:06.000Z")).toBe("2026-01-02T03:04:06Z");
    expect(at("1969-12-31T23:59:59.500Z")).toBe("1969-12-31T23:59:59Z");
  });
});

describe("validateCloudEvent and parseCloudEvent", () => {
  it("names every missing required attribute", () => {
    expect(validateCloudEvent({})).toEqual([
      "missing required attribute 'id'",
      "missing required attribute 'source'",
      "missing required attribute 'type'",
      "missing required attribute 'specversion'",
    ]);
    expect(validateCloudEvent({ id: 1, source: "s", type: "t", specversion: "1.0" })).toEqual(["attribute 'id' must be a string"]);
    expect(validateCloudEvent({ id: "1", source: "s", type: "t", specversion: "1.0", data: 1, data_base64: "AA==" })).toEqual([
      "'data' and 'data_base64' are mutually exclusive",
    ]);
  });

  it("explains invalid JSON", () => {
    expect(() => parseCloudEvent("{")).toThrow(/not valid JSON/);
  });
});

describe("deliveryEnvelope", () => {
  const valid = { id: "1", source: "s", type: "t", specversion: "1.0", data: "d" };

  it("wraps raw messages as octet-stream data_base64", () => {
    const d = deliveryEnvelope({ data: Buffer.from("raw!"), topic: "t", pubsubName: "p", rawPayload: true, newId: () => "n" });
    expect(d).toEqual({
      kind: "deliver",
      event: {
        id: "n",
        specversion: "1.0",
        datacontenttype: "application/octet-stream",
        source: "Dapr",
        type: "com.dapr.event.sent",
        topic: "t",
        pubsubname: "p",
        data_base64: Buffer.from("raw!").toString("base64"),
      },
    });
  });

  it("drops expired events and delivers live ones", () => {
    const expired = { ...valid, expiration: "2026-01-02T03:04:00Z" };
    const live = { ...valid, expiration: "2026-01-02T03:05:00Z" };
    expect(deliveryEnvelope({ data: Buffer.from(JSON.stringify(expired)), topic: "t", pubsubName: "p", rawPayload: false, now }).kind).toBe("expired");
    expect(deliveryEnvelope({ data: Buffer.from(JSON.stringify(live)), topic: "t", pubsubName: "p", rawPayload: false, now }).kind).toBe("deliver");
    expect(hasExpired({ expiration: "not a date" }, now)).toBe(false);
  });

  it("reports invalid events instead of throwing", () => {
    const bad = deliveryEnvelope({ data: Buffer.from("garbage"), topic: "t", pubsubName: "p", rawPayload: false });
    expect(bad.kind).toBe("invalid");
    const missing = deliveryEnvelope({ data: Buffer.from('{"id":"1"}'), topic: "t", pubsubName: "p", rawPayload: false });
    expect(missing).toMatchObject({ kind: "invalid", error: expect.stringContaining("'source'") });
  });
});

describe("isJsonContentType", () => {
  it("recognises JSON types with parameters and suffixes", () => {
    expect(isJsonContentType("application/json; charset=utf-8")).toBe(true);
    expect(isJsonContentType("application/cloudevents+json")).toBe(true);
    expect(isJsonContentType("text/plain")).toBe(false);
  });
});
