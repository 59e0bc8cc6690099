import { describe, expect, it } from "vitest";
import { durationProp, effectiveTtl, parseDuration, ttlExpireTimeMetadata } from "./state-metadata.js";

describe("state metadata helpers", () => {
  it("parses Go durations and bare numbers", () => {
    expect(parseDuration("20s", "t")).toBe(20_000);
    expect(parseDuration("1m30s", "t")).toBe(90_000);
    expect(parseDuration("250ms", "t")).toBe(250);
    expect(parseDuration("1h", "t")).toBe(3_600_000);
    expect(parseDuration("1500", "t")).toBe(1500);
    expect(parseDuration("3", "t", 1000)).toBe(3000);
    expect(parseDuration("-1s", "t")).toBe(-1000);
    expect(() => parseDuration("10 parsecs", "timeout")).toThrow(/timeout/);
    expect(durationProp({ cleanupIntervalInSeconds: "5" }, "cleanupInterval", 0, "cleanupIntervalInSeconds")).toBe(5000);
    expect(durationProp({}, "cleanupInterval", 42)).toBe(42);
    expect(durationProp({ timeout: "7" }, "timeout", 0)).toBe(7000);
  });

  it("takes the request TTL over the component default", () => {
    expect(effectiveTtl({}, undefined)).toBeUndefined();
    expect(effectiveTtl({}, 30)).toBe(30);
    expect(effectiveTtl({ ttlInSeconds: "5" }, 30)).toBe(5);
    expect(effectiveTtl({ ttlInSeconds: "-1" }, 30)).toBe(-1);
    expect(() => effectiveTtl({ ttlInSeconds: "x" })).toThrow(/ttlInSeconds/);
  });

  it("formats ttlExpireTime as RFC 3339 whole seconds in UTC", () => {
    expect(ttlExpireTimeMetadata(Date.UTC(2030, 0, 2, 3, 4, 5, 678))).toEqual({ ttlExpireTime: "2030-01-02T03:04:05Z" });
    expect(ttlExpireTimeMetadata(undefined)).toBeUndefined();
  });
});
