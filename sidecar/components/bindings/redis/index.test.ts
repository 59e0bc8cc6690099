import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { services, uniqueName } from "../../../../test/support/services.js";
import { componentContext } from "../../../../test/support/component-context.js";
import { RedisOutputBinding } from "./index.js";

const ctx = componentContext({ name: "cache", type: "bindings.redis", properties: { redisHost: `${services.redis.host}:${services.redis.port}` }, appId: "app" });
let b: RedisOutputBinding;
let raw: Redis;
beforeAll(async () => {
  b = new RedisOutputBinding(ctx);
  await b.init();
  raw = new Redis(services.redis.port, services.redis.host);
});
afterAll(async () => {
  await b.close();
  raw.disconnect();
});
const call = (operation: string, metadata: Record<string, string>, data = "") => b.invoke({ operation, data: Buffer.from(data), metadata });

describe("bindings.redis", () => {
  it("create, get and delete a plain key", async () => {
    const key = uniqueName("bind");
    await call("create", { key }, '{"n":1}');
    expect(await raw.get(key)).toBe('{"n":1}');
    expect((await call("get", { key })).data?.toString()).toBe('{"n":1}');
    await call("delete", { key });
    expect(await raw.exists(key)).toBe(0);
    expect((await call("get", { key })).data).toBeUndefined();
  });

  it("get with delete=true reads and removes the key at once", async () => {
    const key = uniqueName("getdel");
    await call("create", { key }, "once");
    expect((await call("get", { key, delete: "true" })).data?.toString()).toBe("once");
    expect(await raw.exists(key)).toBe(0);
  });

  it("honours ttlInSeconds on create and increment", async () => {
    const key = uniqueName("ttl");
    await call("create", { key, ttlInSeconds: "100" }, "v");
    const ttl = await raw.ttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(100);
    const counter = uniqueName("ctr");
    await call("increment", { key: counter });
    await call("increment", { key: counter, ttlInSeconds: "50" });
    expect(await raw.get(counter)).toBe("2");
    expect(await raw.ttl(counter)).toBeGreaterThan(0);
  });

  it("refuses requests without key, with a bad ttl, or incrementing a non-number", async () => {
    await expect(call("create", {}, "x")).rejects.toThrow(/missing key/);
    await expect(call("create", { key: uniqueName("k"), ttlInSeconds: "-3" }, "x")).rejects.toThrow(/ttlInSeconds/);
    const key = uniqueName("text");
    await call("create", { key }, "not a number");
    await expect(call("increment", { key })).rejects.toThrow(/not an integer/);
  });
});
