import { afterAll, describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import { services, startOwnedRedis, uniqueName } from "../../../../test/support/services.js";
import { componentContext } from "../../../../test/support/component-context.js";
import { sleep, waitFor } from "../../../../test/support/wait.js";
import type { Message } from "../pubsub.js";
import { RedisStreamsPubSub } from "./redis-pubsub.js";


const ctx = (properties: Record<string, string>, appId = "app-a") => componentContext({ name: "redis-pubsub", type: "pubsub.redis", properties, appId });

describe("pubsub.redis wire layout", () => {
  const raw = new Redis(services.redis.port, services.redis.host);
  const opened: RedisStreamsPubSub[] = [];
  afterAll(async () => {
    await Promise.allSettled(opened.map((c) => c.close()));
    raw.disconnect();
  });

  it("writes `data` and JSON `metadata` fields with XADD, like Dapr", async () => {
    const topic = uniqueName("wire");
    const c = new RedisStreamsPubSub(ctx({ redisHost: `${services.redis.host}:${services.redis.port}` }));
    opened.push(c);
    await c.init();
    await c.publish({ topic, data: Buffer.from([0, 1, 254]), metadata: { ttlInSeconds: "5" } });
    const entries = await raw.xrangeBuffer(topic, "-", "+");
    expect(entries).toHaveLength(1);
    const fields = entries[0]![1].map((b) => b);
    expect(fields[0]!.toString()).toBe("data");
    expect(fields[1]).toEqual(Buffer.from([0, 1, 254]));
    expect(fields[2]!.toString()).toBe("metadata");
    expect(JSON.parse(fields[3]!.toString())).toEqual({ ttlInSeconds: "5" });
  });

  it("consumes entries written by another Dapr sidecar, in a group named after the app id by default", async () => {
    const topic = uniqueName("wire");
    const c = new RedisStreamsPubSub(ctx({ redisHost: `${services.redis.host}:${services.redis.port}`, redeliverInterval: "0" }, "orders-app"));
    opened.push(c);
    await c.init();
    const got: Message[] = [];
    await c.subscribe({ topic, metadata: {} }, async (m) => {
      got.push(m);
    });
    await raw.xadd(topic, "*", "data", '{"hello":1}', "metadata", '{"k":"v"}');
    await waitFor(() => got.length === 1, 5000, "the entry");
    expect(got[0]!.data.toString()).toBe('{"hello":1}');
    expect(got[0]!.metadata).toEqual({ k: "v" });
    const groups = (await raw.xinfo("GROUPS", topic)) as unknown[][];
    expect(groups.map((g) => g[1])).toContain("orders-app");
    // Acked: nothing pending.
    await sleep(100);
    const pending = (await raw.xpending(topic, "orders-app")) as [number, ...unknown[]];
    expect(pending[0]).toBe(0);
  });

  it("caps the stream with maxLenApprox", async () => {
    const topic = uniqueName("cap");
    const c = new RedisStreamsPubSub(ctx({ redisHost: `${services.redis.host}:${services.redis.port}`, maxLenApprox: "10" }));
    opened.push(c);
    await c.init();
    for (let i = 0; i < 500; i++) await c.publish({ topic, data: Buffer.from(String(i)), metadata: {} });
    // Approximate trimming removes whole nodes, so the length is bounded but not exact.
    expect(await raw.xlen(topic)).toBeLessThan(500);
  });
});

describe("pubsub.redis metadata errors", () => {
  it("names the missing or bad field", async () => {
    await expect(new RedisStreamsPubSub(ctx({})).init()).rejects.toThrow(/redisHost/);
    await expect(new RedisStreamsPubSub(ctx({ redisHost: "127.0.0.1:6379", processingTimeout: "soon" })).init()).rejects.toThrow(/processingTimeout/);
    await expect(new RedisStreamsPubSub(ctx({ redisHost: "127.0.0.1:6379", concurrency: "-1" })).init()).rejects.toThrow(/concurrency/);
  });

  it("fails init with a clear error when Redis is unreachable", async () => {
    const c = new RedisStreamsPubSub(ctx({ redisHost: "127.0.0.1:1" }));
    await expect(c.init()).rejects.toThrow(/error connecting to redis/);
  });
});

describe("pubsub.redis across a Redis restart", () => {
  it("recreates its consumer group when a Redis without persistence comes back empty", async () => {
    const redis = await startOwnedRedis({ persistence: false });
    const c = new RedisStreamsPubSub(ctx({ redisHost: `127.0.0.1:${redis.port}`, redeliverInterval: "0" }));
    try {
      await c.init();
      const topic = uniqueName("nogroup");
      const seen: string[] = [];
      await c.subscribe({ topic, metadata: {} }, async (m) => void seen.push(m.data.toString()));
      await redis.kill();
      await redis.start();
      // The first publishes may land before the group is recreated (and are then not for us): retry.
      for (let i = 0; i < 40 && !seen.some((s) => s.startsWith("fresh")); i++) {
        await c.publish({ topic, data: Buffer.from(`fresh-${i}`), metadata: {} }).catch(() => {});
        await sleep(250);
      }
      expect(seen.some((s) => s.startsWith("fresh"))).toBe(true);
    } finally {
      await c.close();
      await redis.stop();
    }
  });

  it("keeps unacked messages and resumes delivery after a crash", async () => {
    const redis = await startOwnedRedis({ persistence: true });
    const c = new RedisStreamsPubSub(
      ctx({ redisHost: `127.0.0.1:${redis.port}`, processingTimeout: "300ms", redeliverInterval: "200ms" }),
    );
    try {
      await c.init();
      const topic = uniqueName("restart");
      const seen: string[] = [];
      let failFirst = true;
      await c.subscribe({ topic, metadata: {} }, async (m) => {
        seen.push(m.data.toString());
        if (m.data.toString() === "before" && failFirst) {
          failFirst = false;
          throw new Error("nack before the crash");
        }
      });
      await c.publish({ topic, data: Buffer.from("before"), metadata: {} });
      await waitFor(() => seen.length === 1, 5000, "first delivery");
      await redis.kill();
      await sleep(300);
      await redis.start();
      // The nacked message survived in the pending list and comes back.
      await waitFor(() => seen.filter((s) => s === "before").length === 2, 10_000, "redelivery after restart");
      await c.publish({ topic, data: Buffer.from("after"), metadata: {} });
      await waitFor(() => seen.includes("after"), 10_000, "a message published after the restart");
    } finally {
      await c.close();
      await redis.stop();
    }
  });
});
