import { describe, expect, it } from "vitest";
import type { Properties } from "./component.js";
import { redisConnection, redisUrl } from "./redis-connection.js";

const conn = (properties: Properties) => redisConnection({ name: "r", type: "state.redis", properties });

describe("redisConnection", () => {
  it("reads every form of redisHost Dapr accepts", () => {
    expect(conn({ redisHost: "cache:6380" })).toEqual({ host: "cache", port: 6380, db: 0, enableTLS: false });
    expect(conn({ redisHost: "cache" })).toMatchObject({ host: "cache", port: 6379 });
    expect(conn({ redisHost: "cache", redisPort: "6390" })).toMatchObject({ host: "cache", port: 6390 });
    expect(conn({ redisHost: "[::1]:7000" })).toMatchObject({ host: "::1", port: 7000 });
    expect(conn({ redisHost: "[::1]" })).toMatchObject({ host: "::1", port: 6379 });
  });

  it("reads credentials, database and TLS", () => {
    expect(conn({ redisHost: "h:1", redisUsername: "u", redisPassword: "pw", redisDB: "3", enableTLS: "true" })).toEqual({
      host: "h", port: 1, username: "u", password: "pw", db: 3, enableTLS: true,
    });
  });

  it("rejects what it cannot read, naming the field", () => {
    expect(() => conn({})).toThrow(/redisHost/);
    expect(() => conn({ redisHost: "a:b:c" })).toThrow(/redisHost/);
    expect(() => conn({ redisHost: "h:notaport" })).toThrow(/redisHost/);
    expect(() => conn({ redisHost: "h:99999" })).toThrow(/redisHost/);
    expect(() => conn({ redisHost: "::1:6379" })).toThrow(/redisHost/);
    expect(() => conn({ redisHost: "h:1", redisDB: "-1" })).toThrow(/redisDB/);
  });

  it("writes a URL for clients configured by one, escaping credentials and bracketing IPv6", () => {
    expect(redisUrl(conn({ redisHost: "h:2" }))).toBe("redis://h:2/0");
    expect(redisUrl(conn({ redisHost: "[::1]:7000", redisUsername: "u", redisPassword: "p@ss", redisDB: "2", enableTLS: "true" }))).toBe("rediss://u:p%40ss@[::1]:7000/2");
    expect(redisUrl(conn({ redisHost: "h", redisPassword: "pw" }))).toBe("redis://:pw@h:6379/0");
  });
});
