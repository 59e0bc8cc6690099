import { describe, expect, it } from "vitest";
import { keyFromKeyspaceChannel, parseRedisConfigValue, withKeyspaceFlags } from "./redis-value.js";

describe("redis configuration layout", () => {
  it("splits value||version, version optional", () => {
    expect(parseRedisConfigValue("blue||3")).toEqual({ value: "blue", version: "3", metadata: {} });
    expect(parseRedisConfigValue("plain")).toEqual({ value: "plain", version: "", metadata: {} });
    expect(parseRedisConfigValue("a||1||extra")).toEqual({ value: "a", version: "1", metadata: {} });
  });
  it("reads the key from a keyspace channel of the right db only", () => {
    expect(keyFromKeyspaceChannel("__keyspace@0__:my:key", 0)).toBe("my:key");
    expect(keyFromKeyspaceChannel("__keyspace@1__:k", 0)).toBeUndefined();
  });
  it("adds K and A to existing notify-keyspace-events flags without dropping any", () => {
    expect(withKeyspaceFlags("")).toBe("KA");
    expect(withKeyspaceFlags("Ex")).toBe("ExKA");
    expect(withKeyspaceFlags("AKE")).toBe("AKE");
  });
});
