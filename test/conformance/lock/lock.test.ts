// One conformance suite for every lock store: mutual exclusion under
// contention, owner-only unlock, expiry, and request validation. Stores run
// against real services; each test uses its own resource ids.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DaprError } from "../../../sidecar/errors/catalog.js";
import { silentLogger } from "../../../sidecar/log/logger.js";
import type { ComponentContext, Properties } from "../../../sidecar/components/component.js";
import { lockRegistry, UnlockStatus, type LockStore } from "../../../sidecar/components/lock/index.js";
import { services, uniqueName } from "../../support/services.js";

interface Target {
  type: string;
  properties: Properties;
  /** Whether two instances share locks (false for in-process stores: the suite then shares one instance). */
  sharedBetweenInstances: boolean;
}

const targets: Target[] = [
  { type: "lock.in-memory", properties: {}, sharedBetweenInstances: false },
  { type: "lock.redis", properties: { redisHost: `${services.redis.host}:${services.redis.port}` }, sharedBetweenInstances: true },
];

function ctx(t: Target): ComponentContext {
  return { name: "lockstore", type: t.type, version: "v1", properties: t.properties, appId: "conformance", namespace: "default", logger: silentLogger };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(targets)("lock conformance: $type", (t) => {
  let a: LockStore;
  let b: LockStore;

  beforeAll(async () => {
    a = lockRegistry.create(ctx(t));
    await a.init();
    if (t.sharedBetweenInstances) {
      b = lockRegistry.create(ctx(t));
      await b.init();
    } else {
      b = a;
    }
  });
  afterAll(async () => {
    await a?.close();
    if (b !== a) await b?.close();
  });

  it("grants a free lock once and lets only its owner release it", async () => {
    const id = uniqueName("res");
    expect(await a.tryLock({ resourceId: id, lockOwner: "alice", expiryInSeconds: 10 })).toEqual({ success: true });
    expect(await b.tryLock({ resourceId: id, lockOwner: "bob", expiryInSeconds: 10 })).toEqual({ success: false });
    expect(await a.tryLock({ resourceId: id, lockOwner: "alice", expiryInSeconds: 10 })).toEqual({ success: false });
    expect(await b.unlock({ resourceId: id, lockOwner: "bob" })).toEqual({ status: UnlockStatus.LOCK_BELONGS_TO_OTHERS });
    expect(await a.unlock({ resourceId: id, lockOwner: "alice" })).toEqual({ status: UnlockStatus.SUCCESS });
    expect(await a.unlock({ resourceId: id, lockOwner: "alice" })).toEqual({ status: UnlockStatus.LOCK_DOES_NOT_EXIST });
    expect(await b.tryLock({ resourceId: id, lockOwner: "bob", expiryInSeconds: 10 })).toEqual({ success: true });
    await b.unlock({ resourceId: id, lockOwner: "bob" });
  });

  it("reports LOCK_DOES_NOT_EXIST for a resource never locked", async () => {
    expect(await a.unlock({ resourceId: uniqueName("never"), lockOwner: "x" })).toEqual({ status: UnlockStatus.LOCK_DOES_NOT_EXIST });
  });

  it("never has two holders while two clients contend 1,000 times", async () => {
    const id = uniqueName("contended");
    let holders = 0;
    let maxHolders = 0;
    const acquired = { a: 0, b: 0 };
    const contend = async (store: LockStore, who: "a" | "b") => {
      for (let i = 0; i < 500; i++) {
        const { success } = await store.tryLock({ resourceId: id, lockOwner: who, expiryInSeconds: 30 });
        if (!success) continue;
        holders++;
        maxHolders = Math.max(maxHolders, holders);
        acquired[who]++;
        // Give the other client a chance to (wrongly) get in while we hold it.
        await new Promise((r) => setImmediate(r));
        holders--;
        expect((await store.unlock({ resourceId: id, lockOwner: who })).status).toBe(UnlockStatus.SUCCESS);
      }
    };
    await Promise.all([contend(a, "a"), contend(b, "b")]);
    expect(maxHolders).toBe(1);
    expect(acquired.a + acquired.b).toBeGreaterThan(0);
  });

  it("lets another owner take an expired lock, and the old owner can no longer release it", async () => {
    const id = uniqueName("expiring");
    const expirySeconds = 1;
    const start = performance.now();
    expect((await a.tryLock({ resourceId: id, lockOwner: "alice", expiryInSeconds: expirySeconds })).success).toBe(true);
    let tookOverAt = 0;
    for (let i = 0; i < 100 && !tookOverAt; i++) {
      if ((await b.tryLock({ resourceId: id, lockOwner: "bob", expiryInSeconds: 10 })).success) tookOverAt = performance.now();
      else await sleep(50);
    }
    expect(tookOverAt).toBeGreaterThan(0);
    // Never before the lock expired (a lower bound is safe on a slow machine).
    expect(tookOverAt - start).toBeGreaterThanOrEqual(expirySeconds * 1000 * 0.9);
    expect(await a.unlock({ resourceId: id, lockOwner: "alice" })).toEqual({ status: UnlockStatus.LOCK_BELONGS_TO_OTHERS });
    expect(await b.unlock({ resourceId: id, lockOwner: "bob" })).toEqual({ status: UnlockStatus.SUCCESS });
  });

  it("rejects a request without owner or resource, or with a non-positive expiry", async () => {
    const id = uniqueName("bad");
    const code = (p: Promise<unknown>) => p.then(() => "resolved", (e: unknown) => (e instanceof DaprError ? e.errorCode : String(e)));
    expect(await code(a.tryLock({ resourceId: id, lockOwner: "", expiryInSeconds: 10 }))).toBe("ERR_OWNER_EMPTY");
    expect(await code(a.tryLock({ resourceId: "", lockOwner: "x", expiryInSeconds: 10 }))).toBe("ERR_RESOURCE_ID_EMPTY");
    expect(await code(a.tryLock({ resourceId: id, lockOwner: "x", expiryInSeconds: -5 }))).toBe("ERR_EXPIRY_NOT_POSITIVE");
    expect(await code(a.tryLock({ resourceId: id, lockOwner: "x", expiryInSeconds: 0 }))).toBe("ERR_EXPIRY_NOT_POSITIVE");
    expect(await code(a.unlock({ resourceId: id, lockOwner: "" }))).toBe("ERR_OWNER_EMPTY");
    // Nothing was locked by the rejected calls.
    expect((await b.tryLock({ resourceId: id, lockOwner: "y", expiryInSeconds: 10 })).success).toBe(true);
    await b.unlock({ resourceId: id, lockOwner: "y" });
  });
});

describe("lock.redis specifics", () => {
  it("fails init clearly without redisHost or when failover is asked for", async () => {
    const mk = (properties: Properties) => lockRegistry.create({ ...ctx(targets[1]), properties });
    await expect(mk({}).init()).rejects.toThrow(/redisHost/);
    await expect(mk({ redisHost: "127.0.0.1:6379", failover: "true" }).init()).rejects.toThrow(/failover/);
  });

  it("stores the lock as a plain key holding the owner, with a TTL", async () => {
    const { Redis } = await import("ioredis");
    const store = lockRegistry.create(ctx(targets[1]));
    await store.init();
    const raw = new Redis(services.redis.port, services.redis.host);
    try {
      const id = `lock||conformance||${uniqueName("layout")}`;
      await store.tryLock({ resourceId: id, lockOwner: "owner-1", expiryInSeconds: 20 });
      expect(await raw.get(id)).toBe("owner-1");
      const ttl = await raw.pttl(id);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(20_000);
      await store.unlock({ resourceId: id, lockOwner: "owner-1" });
      expect(await raw.exists(id)).toBe(0);
    } finally {
      raw.disconnect();
      await store.close();
    }
  });
});
