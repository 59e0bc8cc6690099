import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOwnedRedis, type OwnedRedis } from "../../../../test/support/services.js";
import { componentContext } from "../../../../test/support/component-context.js";
import { UnlockStatus } from "../lock-store.js";
import { RedisLockStore } from "./index.js";

// The unlock script is sent as EVALSHA; a server that has forgotten it (restarted,
// SCRIPT FLUSH) must not turn unlocks into errors. A server of the test's own, as
// flushing scripts on a shared one would disturb other tests.
describe("lock.redis unlock script", () => {
  let server: OwnedRedis;
  let store: RedisLockStore;
  let admin: Redis;

  beforeAll(async () => {
    server = await startOwnedRedis();
    store = new RedisLockStore(componentContext({ name: "lockstore", type: "lock.redis", properties: { redisHost: `127.0.0.1:${server.port}` }, appId: "locktest" }));
    await store.init();
    admin = new Redis({ port: server.port, lazyConnect: true });
    await admin.connect();
  });
  afterAll(async () => {
    await store?.close();
    admin?.disconnect();
    await server?.stop();
  });

  it("still unlocks after the server has flushed its scripts", async () => {
    expect(await store.tryLock({ resourceId: "r1", lockOwner: "alice", expiryInSeconds: 10 })).toEqual({ success: true });
    expect(await store.unlock({ resourceId: "r1", lockOwner: "alice" })).toEqual({ status: UnlockStatus.SUCCESS });
    await admin.script("FLUSH");
    expect(await store.tryLock({ resourceId: "r2", lockOwner: "alice", expiryInSeconds: 10 })).toEqual({ success: true });
    expect(await store.unlock({ resourceId: "r2", lockOwner: "bob" })).toEqual({ status: UnlockStatus.LOCK_BELONGS_TO_OTHERS });
    expect(await store.unlock({ resourceId: "r2", lockOwner: "alice" })).toEqual({ status: UnlockStatus.SUCCESS });
    expect(await admin.exists("r2")).toBe(0);
  });
});
