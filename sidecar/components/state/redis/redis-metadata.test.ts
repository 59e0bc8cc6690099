import { describe, expect, it } from "vitest";
import { testContext } from "../../../../test/conformance/state/test-context.js";
import { parseRedisMetadata } from "./redis-metadata.js";

const md = (p: Record<string, string>) => parseRedisMetadata(testContext("state.redis", p));

describe("redis state metadata", () => {
  it("reads Dapr's fields and defaults", () => {
    expect(md({ redisHost: "localhost:6380" })).toMatchObject({ host: "localhost", port: 6380, db: 0, tls: false, maxRetries: 3, dialTimeoutMs: 5000 });
    expect(md({ redisHost: "[::1]:7000", redisDB: "2", enableTLS: "true", redisPassword: "pw", ttlInSeconds: "30" })).toMatchObject({
      host: "::1",
      port: 7000,
      db: 2,
      tls: true,
      password: "pw",
      ttlInSeconds: 30,
    });
    expect(md({ redisHost: "cache", redisPort: "6390" })).toMatchObject({ host: "cache", port: 6390 });
    // Dapr's Redis settings read a bare number as milliseconds.
    expect(md({ redisHost: "h:1", dialTimeout: "750" }).dialTimeoutMs).toBe(750);
    expect(md({ redisHost: "h:1", dialTimeout: "2s" }).dialTimeoutMs).toBe(2000);
  });

  it("rejects bad or unsupported settings naming the field", () => {
    expect(() => md({})).toThrow(/redisHost/);
    expect(() => md({ redisHost: "h:notaport" })).toThrow(/redisHost/);
    expect(() => md({ redisHost: "h:1", redisDB: "-1" })).toThrow(/redisDB/);
    expect(() => md({ redisHost: "h:1", ttlInSeconds: "1.5" })).toThrow(/ttlInSeconds/);
    expect(() => md({ redisHost: "h:1", redisType: "cluster" })).toThrow(/cluster/);
    expect(() => md({ redisHost: "a:1,b:2" })).toThrow(/cluster/);
    expect(() => md({ redisHost: "h:1", failover: "true" })).toThrow(/Sentinel/);
  });
});
