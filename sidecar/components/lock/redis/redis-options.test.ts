import { describe, expect, it } from "vitest";
import { silentLogger } from "../../../log/logger.js";
import type { Properties } from "../../component.js";
import { redisOptionsFromContext } from "./redis-options.js";

const opts = (properties: Properties) =>
  redisOptionsFromContext({ name: "r", type: "lock.redis", version: "v1", properties, appId: "a", namespace: "default", logger: silentLogger });

describe("redisOptionsFromContext", () => {
  it("reads host, port, db, credentials and TLS like Dapr's redis metadata", () => {
    expect(opts({ redisHost: "cache:6380", redisDB: "2", redisPassword: "pw", redisUsername: "u", enableTLS: "true" })).toMatchObject({
      host: "cache", port: 6380, db: 2, password: "pw", username: "u", tls: { rejectUnauthorized: false },
    });
    expect(opts({ redisHost: "cache" })).toMatchObject({ host: "cache", port: 6379, db: 0, tls: undefined });
    expect(opts({ redisHost: "[::1]:7000" })).toMatchObject({ host: "::1", port: 7000 });
  });
  it("rejects a missing or malformed redisHost and a bad redisDB", () => {
    expect(() => opts({})).toThrow(/redisHost/);
    expect(() => opts({ redisHost: "a:b:c" })).toThrow(/host:port/);
    expect(() => opts({ redisHost: "h:99999" })).toThrow(/host:port/);
    expect(() => opts({ redisHost: "h:1", redisDB: "-1" })).toThrow(/redisDB/);
  });
});
