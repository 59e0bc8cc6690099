import { describe, expect, it } from "vitest";
import { RedisNameResolver } from "./redis-resolver.js";

// Registration and lookup against a real Redis are covered by test/e2e/invoke-redis-resolution.test.ts.
describe("RedisNameResolver configuration", () => {
  it("accepts the redisHost forms Redis components accept, IPv6 included", () => {
    for (const redisHost of ["cache:6380", "cache", "[::1]:7000"]) expect(() => new RedisNameResolver({ redisHost })).not.toThrow();
  });

  it("refuses a redisHost it cannot read, naming the setting", () => {
    for (const redisHost of ["::1:6379", "h:notaport", "h:99999"]) {
      expect(() => new RedisNameResolver({ redisHost })).toThrow(/configuration.redisHost must be host:port/);
    }
  });
});
