import { describe, expect, it } from "vitest";
import { validateConfiguration, validateResiliency, validateSubscription } from "./resource-validation.js";

describe("validateResiliency", () => {
  it("accepts valid policies and names a bad duration and a bad trip expression", () => {
    const res = (timeouts: Record<string, unknown>, trip = "consecutiveFailures >= 5") => ({
      apiVersion: "dapr.io/v1alpha1", kind: "Resiliency", metadata: { name: "r" },
      spec: { policies: { timeouts, circuitBreakers: { cb: { maxRequests: 1, timeout: "30s", trip } } }, targets: {} },
    });
    expect(validateResiliency(res({ general: "5s" }))).toMatchObject({ ok: true });
    const bad = validateResiliency(res({ general: "five seconds" }));
    expect(bad).toMatchObject({ ok: false, reason: "InvalidPolicy", message: expect.stringContaining("spec.policies.timeouts.general") });
    expect(validateResiliency(res({ general: "5s" }, "consecutiveFailures >>> 5"))).toMatchObject({ ok: false, reason: "InvalidPolicy" });
    expect(validateResiliency({ metadata: { name: "x" } })).toMatchObject({ ok: false, message: expect.stringContaining("spec: missing") });
  });
});

describe("validateSubscription", () => {
  it("accepts routes with valid CEL, refuses bad CEL and a missing route", () => {
    expect(validateSubscription({ spec: { pubsubname: "p", topic: "t", routes: { rules: [{ match: 'event.type == "a"', path: "/a" }], default: "/d" } } })).toMatchObject({ ok: true });
    expect(validateSubscription({ spec: { pubsubname: "p", topic: "t", route: "/v1" } })).toMatchObject({ ok: true });
    expect(validateSubscription({ metadata: { name: "s" }, spec: { routes: { rules: [{ match: "event.type ==", path: "/a" }] } } }))
      .toMatchObject({ ok: false, reason: "InvalidRoute", message: expect.stringContaining("invalid CEL") });
    expect(validateSubscription({ spec: { pubsubname: "p", topic: "t" } })).toMatchObject({ ok: false, reason: "NoRoute" });
  });
});

describe("validateConfiguration", () => {
  it("accepts a valid configuration and reports field errors", () => {
    expect(validateConfiguration({ apiVersion: "dapr.io/v1alpha1", kind: "Configuration", metadata: { name: "c" }, spec: { tracing: { samplingRate: "1" } } })).toMatchObject({ ok: true });
    const bad = validateConfiguration({ apiVersion: "dapr.io/v1alpha1", kind: "Configuration", metadata: { name: "c" }, spec: { tracing: "yes" } });
    expect(bad).toMatchObject({ ok: false, reason: "InvalidConfiguration" });
  });
});
