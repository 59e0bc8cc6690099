// Layout compatibility with Dapr's Redis store: keys written the way Dapr
// writes them (a hash with `data` and `version`) read back through our store,
// and keys we write have exactly that shape.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisStateStore } from "../../../sidecar/components/state/redis/redis-state-store.js";
import { EtagMismatchError } from "../../../sidecar/components/state/state-store.js";
import { services, uniqueName } from "../../support/services.js";
import { dropRedisKeys, testRedisClient } from "./redis-helpers.js";
import { setReq } from "./state-conformance.js";
import { testContext } from "./test-context.js";

describe("redis: Dapr layout compatibility", () => {
  const prefix = `${uniqueName("compat")}||`;
  const raw = testRedisClient();
  let store: RedisStateStore;

  beforeAll(async () => {
    store = new RedisStateStore(testContext("state.redis", { redisHost: `${services.redis.host}:${services.redis.port}` }));
    await store.init();
  });
  afterAll(async () => {
    await store.close();
    await raw.quit();
    await dropRedisKeys([prefix]);
  });

  it("reads a key Dapr wrote, and honours its version as the ETag", async () => {
    const key = `${prefix}from-dapr`;
    await raw.hset(key, "data", '{"qty":3}', "version", "7");
    const got = await store.get({ key, metadata: {} });
    expect(got?.data.toString()).toBe('{"qty":3}');
    expect(got?.etag).toBe("7");
    await expect(store.set(setReq(key, '{"qty":4}', { etag: "6" }))).rejects.toBeInstanceOf(EtagMismatchError);
    await store.set(setReq(key, '{"qty":4}', { etag: "7" }));
    expect(await raw.hgetall(key)).toEqual({ data: '{"qty":4}', version: "8" });
  });

  it("reads binary data byte-exact", async () => {
    const key = `${prefix}bin`;
    const bytes = Buffer.from([0, 255, 1, 254, 10]);
    await raw.hset(key, "data", bytes, "version", "1");
    expect((await store.get({ key, metadata: {} }))?.data.equals(bytes)).toBe(true);
  });

  it("writes Dapr's layout: data, version counting from 1, first-write marker, EXPIRE for TTL", async () => {
    const key = `${prefix}to-dapr`;
    await store.set(setReq(key, '"v1"'));
    expect(await raw.hgetall(key)).toEqual({ data: '"v1"', version: "1" });
    await store.set(setReq(key, '"v2"', { options: { concurrency: "first-write" }, etag: "1" }));
    expect(await raw.hgetall(key)).toEqual({ data: '"v2"', version: "2", "first-write": "0" });
    await store.set(setReq(key, '"v3"', { etag: "2", metadata: { ttlInSeconds: "100" } }));
    const ttl = await raw.ttl(key);
    expect(ttl).toBeGreaterThan(90);
    expect(ttl).toBeLessThanOrEqual(100);
    expect((await store.get({ key, metadata: {} }))?.metadata?.["ttlExpireTime"]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    await store.delete({ key, etag: "3", metadata: {}, options: {} });
    expect(await raw.exists(key)).toBe(0);
  });

  it("keeps Dapr's first-write rule: only keys written with first-write block a later first-write", async () => {
    const fw = { concurrency: "first-write" as const };
    const lastWritten = `${prefix}fw-last`;
    await store.set(setReq(lastWritten, '"by last-write"'));
    await store.set(setReq(lastWritten, '"first-write over it"', { options: fw }));
    expect(await raw.hgetall(lastWritten)).toEqual({ data: '"first-write over it"', version: "2", "first-write": "0" });
    await expect(store.set(setReq(lastWritten, '"again"', { options: fw }))).rejects.toBeInstanceOf(EtagMismatchError);
    // Once marked, even last-write needs the ETag...
    await expect(store.set(setReq(lastWritten, '"lw"', { options: { concurrency: "last-write" } }))).rejects.toBeInstanceOf(EtagMismatchError);
    // ...while on an unmarked key last-write ignores a wrong ETag, as Dapr's does.
    const unmarked = `${prefix}fw-unmarked`;
    await store.set(setReq(unmarked, '"v"'));
    await store.set(setReq(unmarked, '"last"', { etag: "12345", options: { concurrency: "last-write" } }));
    expect((await store.get({ key: unmarked, metadata: {} }))?.data.toString()).toBe('"last"');
  });

  it("bulk get reports a broken key's error without failing the others", async () => {
    await raw.hset(`${prefix}bulk-ok`, "data", '"fine"', "version", "3");
    await raw.hset(`${prefix}bulk-broken`, "nodata", "x");
    const items = await store.bulkGet([`${prefix}bulk-ok`, `${prefix}bulk-broken`, `${prefix}bulk-none`].map((key) => ({ key, metadata: {} })));
    expect(items[0]).toMatchObject({ key: `${prefix}bulk-ok`, etag: "3" });
    expect(items[0]?.data?.toString()).toBe('"fine"');
    expect(items[1]?.error).toMatch(/data|version/);
    expect(items[2]).toEqual({ key: `${prefix}bulk-none` });
  });

  it("reads a legacy plain string key without an ETag, and replaces it on write", async () => {
    const key = `${prefix}legacy`;
    await raw.set(key, "plain");
    expect(await store.get({ key, metadata: {} })).toEqual({ data: Buffer.from("plain") });
    await store.set(setReq(key, '"now a hash"'));
    expect(await raw.type(key)).toBe("hash");
  });

  it("rejects a hash without Dapr's fields with a clear error", async () => {
    const key = `${prefix}foreign`;
    await raw.hset(key, "something", "else");
    await expect(store.get({ key, metadata: {} })).rejects.toThrow(/data|version/);
  });

  it("applies the component's default ttlInSeconds, overridden per request", async () => {
    const withDefault = new RedisStateStore(testContext("state.redis", { redisHost: `${services.redis.host}:${services.redis.port}`, ttlInSeconds: "50" }));
    await withDefault.init();
    try {
      await withDefault.set(setReq(`${prefix}dflt`, '"d"'));
      expect(await raw.ttl(`${prefix}dflt`)).toBeGreaterThan(40);
      await withDefault.set(setReq(`${prefix}dflt`, '"d"', { metadata: { ttlInSeconds: "-1" } }));
      expect(await raw.ttl(`${prefix}dflt`)).toBe(-1);
    } finally {
      await withDefault.close();
    }
  });

  it("fails init with a clear error when Redis is unreachable, and does not hang", async () => {
    const bad = new RedisStateStore(testContext("state.redis", { redisHost: "127.0.0.1:1", dialTimeout: "500ms", redisMaxRetries: "0" }));
    await expect(bad.init()).rejects.toThrow(/cannot connect to Redis at 127.0.0.1:1/);
    await bad.close();
  });
});
