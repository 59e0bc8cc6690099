import { describe, expect, it } from "vitest";
import { lockKey, lockKeyPrefixFromProperties } from "./lock-key.js";

describe("lockKey (daprd's key layout)", () => {
  it("prefixes with the app id by default", () => {
    expect(lockKey("order-1", lockKeyPrefixFromProperties({}), "store", "myapp")).toBe("lock||myapp||order-1");
    expect(lockKey("order-1", lockKeyPrefixFromProperties({}), "store", "")).toBe("lock||order-1");
  });
  it("supports name, none and custom strategies", () => {
    expect(lockKey("r", lockKeyPrefixFromProperties({ keyPrefix: "name" }), "store", "app")).toBe("lock||store||r");
    expect(lockKey("r", lockKeyPrefixFromProperties({ keyPrefix: "NONE" }), "store", "app")).toBe("lock||r");
    expect(lockKey("r", lockKeyPrefixFromProperties({ keyPrefix: "Shared" }), "store", "app")).toBe("lock||shared||r");
  });
  it("rejects '||' in the resource id or the prefix", () => {
    expect(() => lockKey("a||b", lockKeyPrefixFromProperties({}), "s", "app")).toThrow(/can't contain '\|\|'/);
    expect(() => lockKeyPrefixFromProperties({ keyPrefix: "x||y" })).toThrow(/can't contain/);
  });
});
