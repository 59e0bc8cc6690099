import { describe, expect, it } from "vitest";
import { validateResource } from "./crd-schema.js";
import {
  convertSubscription,
  reviewConversion,
  toV1Alpha1,
  toV2Alpha1,
  type SubscriptionV1Alpha1,
  type SubscriptionV2Alpha1,
} from "./subscription-conversion.js";

function v1(): SubscriptionV1Alpha1 {
  return {
    apiVersion: "dapr.io/v1alpha1",
    kind: "Subscription",
    metadata: { name: "order-pub-sub", namespace: "default", generation: 3 },
    spec: {
      pubsubname: "order-pub-sub",
      topic: "orders",
      route: "/checkout",
      deadLetterTopic: "poison",
      bulkSubscribe: { enabled: true, maxMessagesCount: 100 },
      metadata: { rawPayload: "true" },
    },
    scopes: ["orderprocessing", "checkout"],
    status: { observedGeneration: 3, conditions: [{ type: "Ready", status: "True" }] },
  };
}

function v2(): SubscriptionV2Alpha1 {
  return {
    apiVersion: "dapr.io/v2alpha1",
    kind: "Subscription",
    metadata: { name: "myevent-subscription" },
    spec: {
      pubsubname: "pubsub",
      topic: "inventory",
      routes: {
        rules: [
          { match: 'event.type == "widget"', path: "/widgets" },
          { match: 'event.type == "gadget"', path: "/gadgets" },
        ],
        default: "/products",
      },
    },
    scopes: ["app1"],
  };
}

describe("toV2Alpha1", () => {
  it("moves route to routes.default and keeps everything else", () => {
    const out = toV2Alpha1(v1());
    expect(out).toEqual({
      ...v1(),
      apiVersion: "dapr.io/v2alpha1",
      spec: {
        pubsubname: "order-pub-sub",
        topic: "orders",
        routes: { default: "/checkout" },
        deadLetterTopic: "poison",
        bulkSubscribe: { enabled: true, maxMessagesCount: 100 },
        metadata: { rawPayload: "true" },
      },
    });
    expect(validateResource(out, { unknownFields: "reject" }).ok).toBe(true);
  });

  it("returns a v2alpha1 object as an equal copy", () => {
    const input = v2();
    const out = toV2Alpha1(input);
    expect(out).toEqual(input);
    expect(out).not.toBe(input);
    expect(out.spec.routes.rules).not.toBe(input.spec.routes.rules);
  });

  it("reads the deprecated v2alpha1 route as routes.default", () => {
    const legacy = { ...v2(), spec: { pubsubname: "p", topic: "t", routes: {}, route: "/old" } } as SubscriptionV2Alpha1;
    expect(toV2Alpha1(legacy).spec).toEqual({ pubsubname: "p", topic: "t", routes: { default: "/old" } });
  });
});

describe("toV1Alpha1", () => {
  it("moves routes.default to route and keeps the rules", () => {
    const out = toV1Alpha1(v2());
    expect(out.apiVersion).toBe("dapr.io/v1alpha1");
    expect(out.spec).toEqual({
      pubsubname: "pubsub",
      topic: "inventory",
      route: "/products",
      routes: { rules: v2().spec.routes.rules },
    });
    expect(validateResource(out, { unknownFields: "reject" }).ok).toBe(true);
  });

  it("drops an empty routes object", () => {
    const input = v2();
    delete input.spec.routes.rules;
    expect(toV1Alpha1(input).spec).toEqual({ pubsubname: "pubsub", topic: "inventory", route: "/products" });
  });

  it("leaves route unset when there is no default (the result then fails v1alpha1 validation, as it should)", () => {
    const input = v2();
    delete input.spec.routes.default;
    const out = toV1Alpha1(input);
    expect(out.spec.route).toBeUndefined();
    expect(validateResource(out)).toEqual({ ok: false, errors: ["spec.route: must have required property 'route'"] });
  });
});

describe("round trips are lossless", () => {
  it("v1 -> v2 -> v1", () => {
    expect(toV1Alpha1(toV2Alpha1(v1()))).toEqual(v1());
  });

  it("v2 -> v1 -> v2", () => {
    expect(toV2Alpha1(toV1Alpha1(v2()))).toEqual(v2());
  });
});

describe("purity and bad input", () => {
  it("never modifies its input", () => {
    const a = v1();
    const b = v2();
    const before = JSON.stringify([a, b]);
    toV2Alpha1(a);
    toV1Alpha1(b);
    toV1Alpha1(a);
    toV2Alpha1(b);
    expect(JSON.stringify([a, b])).toBe(before);
  });

  it("rejects what it cannot convert with a clear message", () => {
    expect(() => convertSubscription(v1(), "dapr.io/v3")).toThrow(/cannot convert Subscription to "dapr.io\/v3"/);
    expect(() => toV2Alpha1({ ...v1(), apiVersion: "dapr.io/v9" } as never)).toThrow(/unsupported Subscription apiVersion "dapr.io\/v9"/);
    expect(() => toV2Alpha1({ ...v1(), kind: "Component" } as never)).toThrow(/expected kind Subscription, got "Component"/);
    expect(() => toV2Alpha1(null as never)).toThrow(/must be an object/);
    expect(() => toV1Alpha1({ ...v2(), spec: "x" } as never)).toThrow(/spec must be an object/);
  });
});

describe("reviewConversion", () => {
  it("converts every object of a ConversionReview", () => {
    const out = reviewConversion({
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "ConversionReview",
      request: { uid: "u-1", desiredAPIVersion: "dapr.io/v2alpha1", objects: [v1(), v2()] },
    });
    expect(out.response).toEqual({ uid: "u-1", result: { status: "Success" }, convertedObjects: [toV2Alpha1(v1()), v2()] });
    expect(out.request).toBeUndefined();
  });

  it("answers Failure (not an exception) for bad objects or a bad review", () => {
    const bad = reviewConversion({
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "ConversionReview",
      request: { uid: "u-2", desiredAPIVersion: "dapr.io/v1alpha1", objects: [v2(), { kind: "Component" }] },
    });
    expect(bad.response).toMatchObject({ uid: "u-2", convertedObjects: [], result: { status: "Failure" } });
    expect(bad.response!.result.message).toMatch(/expected kind Subscription/);
    const empty = reviewConversion({ apiVersion: "apiextensions.k8s.io/v1", kind: "ConversionReview" });
    expect(empty.response).toEqual({ uid: "", convertedObjects: [], result: { status: "Failure", message: "ConversionReview has no request.objects" } });
  });
});
