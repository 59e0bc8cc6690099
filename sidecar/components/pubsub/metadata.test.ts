import { describe, it, expect } from "vitest";
import { consumerIdOf, durationProp, messageTtlSeconds, parseDurationMs } from "./metadata.js";

describe("parseDurationMs", () => {
  it("reads bare integers as milliseconds and Go durations", () => {
    expect(parseDurationMs("1500", "x")).toBe(1500);
    expect(parseDurationMs("15s", "x")).toBe(15_000);
    expect(parseDurationMs("1m30s", "x")).toBe(90_000);
    expect(parseDurationMs("250ms", "x")).toBe(250);
    expect(parseDurationMs("1.5h", "x")).toBe(5_400_000);
  });

  it("names the field on bad input", () => {
    expect(() => parseDurationMs("soon", "processingTimeout")).toThrow(/processingTimeout/);
    expect(() => parseDurationMs("10s garbage", "x")).toThrow(/duration/);
  });

  it("falls back to the default when absent, case-insensitively otherwise", () => {
    expect(durationProp({}, "redeliverInterval", 60_000)).toBe(60_000);
    expect(durationProp({ RedeliverInterval: "2s" }, "redeliverInterval", 60_000)).toBe(2000);
  });
});

describe("messageTtlSeconds and consumerIdOf", () => {
  it("parses ttlInSeconds strictly", () => {
    expect(messageTtlSeconds({})).toBeUndefined();
    expect(messageTtlSeconds({ ttlInSeconds: "30" })).toBe(30);
    expect(() => messageTtlSeconds({ ttlInSeconds: "-1" })).toThrow(/positive integer/);
    expect(() => messageTtlSeconds({ ttlInSeconds: "1.5" })).toThrow(/positive integer/);
  });

  it("defaults the consumer group to the app id", () => {
    expect(consumerIdOf({}, "app")).toBe("app");
    expect(consumerIdOf({ consumerID: "grp" }, "app")).toBe("grp");
  });
});
