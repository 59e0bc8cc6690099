import { rmSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { Logger } from "../../../log/logger.js";
import { services, startOwnedRedis, uniqueName } from "../../../../test/support/services.js";
import { placementAddress } from "./create-membership.js";
import { RedisMembership } from "./redis-membership.js";
import { PlacementTable } from "./placement-table.js";

const logger = new Logger({ level: "error" });
const url = `redis://${services.redis.host}:${services.redis.port}`;
const open: RedisMembership[] = [];

function member(namespace: string, o: { ttlMs?: number; heartbeatMs?: number; url?: string } = {}) {
  const m = new RedisMembership({ url: o.url ?? url, namespace, logger, ttlMs: o.ttlMs ?? 1500, heartbeatMs: o.heartbeatMs ?? 200 });
  open.push(m);
  return m;
}

async function until(fn: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

afterAll(async () => {
  await Promise.allSettled(open.map((m) => m.close()));
});

describe("RedisMembership", () => {
  it("lets every member see the others, and agree on owners", async () => {
    const ns = uniqueName("ns");
    const a = member(ns);
    const b = member(ns);
    await a.join({ id: "a", appId: "app", address: "127.0.0.1:1", entities: ["T"] });
    await b.join({ id: "b", appId: "app", address: "127.0.0.1:2", entities: ["T", "U"] });
    await until(() => a.hosts().length === 2 && b.hosts().length === 2);
    expect(a.version()).toBe(b.version());
    const ta = new PlacementTable(a.version(), a.hosts());
    const tb = new PlacementTable(b.version(), b.hosts());
    for (let i = 0; i < 100; i++) expect(ta.lookup("T", `id-${i}`)?.id).toBe(tb.lookup("T", `id-${i}`)?.id);
    expect(ta.lookup("U", "x")?.id).toBe("b");
    expect(ta.lookup("V", "x")).toBeUndefined();
  });

  it("gives an activation claim to one host until it is released", async () => {
    const ns = uniqueName("ns");
    const a = member(ns);
    const b = member(ns);
    await a.join({ id: "a", appId: "app", address: "x:1", entities: ["T"] });
    await b.join({ id: "b", appId: "app", address: "x:2", entities: ["T"] });
    expect(await a.claim("T||1")).toBeUndefined();
    expect(await a.claim("T||1")).toBeUndefined(); // re-claiming our own is fine
    expect(await b.claim("T||1")).toBe("a");
    await b.release("T||1"); // not b's: nothing happens
    expect(await b.claim("T||1")).toBe("a");
    await a.release("T||1");
    expect(await b.claim("T||1")).toBeUndefined();
  });

  it("hands a departed host's claims over: at once when it leaves, after expiry when it dies", async () => {
    const ns = uniqueName("ns");
    const a = member(ns);
    const b = member(ns);
    await a.join({ id: "a", appId: "app", address: "x:1", entities: ["T"] });
    await b.join({ id: "b", appId: "app", address: "x:2", entities: ["T"] });
    expect(await a.claim("T||left")).toBeUndefined();
    await a.leave();
    expect(await b.claim("T||left")).toBeUndefined();
    await until(() => b.hosts().length === 1);

    const c = member(ns);
    await c.join({ id: "c", appId: "app", address: "x:3", entities: ["T"] });
    expect(await c.claim("T||died")).toBeUndefined();
    (c as unknown as { self: undefined }).self = undefined; // stops heartbeating, as a crashed process would
    expect(await b.claim("T||died")).toBe("c");
    await until(() => b.hosts().every((h) => h.id !== "c"), 5000);
    expect(await b.claim("T||died")).toBeUndefined();
  });

  it("fences itself before its entry expires when Redis goes away", async () => {
    const redis = await startOwnedRedis();
    try {
      const m = member(uniqueName("ns"), { url: `redis://127.0.0.1:${redis.port}`, ttlMs: 1500, heartbeatMs: 200 });
      let fenced = 0;
      m.onFenced(() => fenced++);
      await m.join({ id: "solo", appId: "app", address: "x:1", entities: ["T"] });
      expect(m.healthy()).toBe(true);
      const killing = redis.kill();
      await until(() => fenced > 0, 5000);
      await killing;
      expect(m.healthy()).toBe(false);
    } finally {
      // Not redis.stop(): after a SIGKILL the helper's kill() waits for an exit that already happened.
      rmSync(redis.dir, { recursive: true, force: true });
    }
  });
});

describe("RedisMembership when Redis is down at start-up", () => {
  it("refuses to join, then joins once Redis is back", async () => {
    const redis = await startOwnedRedis();
    try {
      await redis.kill();
      const m = member(uniqueName("ns"), { url: `redis://127.0.0.1:${redis.port}` });
      await expect(m.join({ id: "late", appId: "app", address: "x:1", entities: ["T"] })).rejects.toThrow();
      expect(m.healthy()).toBe(false);
      await redis.start();
      let joined = false;
      for (let i = 0; i < 50 && !joined; i++) {
        joined = await m.join({ id: "late", appId: "app", address: "x:1", entities: ["T"] }).then(() => true, () => false);
        if (!joined) await new Promise((r) => setTimeout(r, 100));
      }
      expect(joined).toBe(true);
      expect(m.hosts().map((h) => h.id)).toEqual(["late"]);
    } finally {
      await redis.stop();
    }
  });
});

describe("placementAddress", () => {
  it("prefers the flag, then the store's metadata, then local", () => {
    expect(placementAddress({ flag: "redis://h:1" })).toBe("redis://h:1");
    expect(placementAddress({ storeType: "state.redis", storeProperties: { actorPlacement: "redis", redisHost: "h:2", redisPassword: "p w" } })).toBe("redis://:p%20w@h:2/0");
    expect(placementAddress({ storeType: "state.sqlite", storeProperties: {} })).toBe("local");
  });

  it("refuses what it cannot use, naming it", () => {
    expect(() => placementAddress({ flag: "etcd://x" })).toThrow(/etcd:\/\/x/);
    expect(() => placementAddress({ storeType: "state.sqlite", storeProperties: { actorPlacement: "redis" } })).toThrow(/state.redis/);
  });
});
