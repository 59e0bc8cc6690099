import { describe, expect, it } from "vitest";
import { ComponentHub } from "../../components/hub.js";
import { InMemoryLockStore } from "../../components/lock/in-memory/index.js";
import { DaprError } from "../../errors/catalog.js";
import { silentLogger } from "../../log/logger.js";
import { noPolicies } from "../../runtime/runtime-context.js";
import { LockCore } from "./lock-core.js";

async function setup(properties: Record<string, string> = {}) {
  const hub = new ComponentHub();
  const ctx = { name: "lockstore", type: "lock.in-memory", version: "v1", properties, appId: "app1", namespace: "default", logger: silentLogger };
  const instance = new InMemoryLockStore(ctx);
  await instance.init();
  hub.add({ name: "lockstore", type: "lock.in-memory", version: "v1", category: "lock", instance, capabilities: [], properties, source: "test" });
  const seen: string[] = [];
  const tryLock = instance.tryLock.bind(instance);
  instance.tryLock = (req) => { seen.push(req.resourceId); return tryLock(req); };
  return { core: new LockCore({ appId: "app1", namespace: "default", hub, logger: silentLogger, policies: noPolicies }), seen, hub };
}

async function codeOf(p: Promise<unknown>): Promise<[string, number]> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(DaprError);
  return [(err as DaprError).errorCode, (err as DaprError).httpStatus];
}

describe("LockCore", () => {
  it("locks, refuses a second owner, and unlocks only for the owner", async () => {
    const { core, seen } = await setup();
    expect(await core.tryLock({ storeName: "lockstore", resourceId: "r1", lockOwner: "a", expiryInSeconds: 10 })).toEqual({ success: true });
    expect(seen).toEqual(["lock||app1||r1"]);
    expect(await core.tryLock({ storeName: "lockstore", resourceId: "r1", lockOwner: "b", expiryInSeconds: 10 })).toEqual({ success: false });
    expect(await core.unlock({ storeName: "lockstore", resourceId: "r1", lockOwner: "b" })).toEqual({ status: 2 });
    expect(await core.unlock({ storeName: "lockstore", resourceId: "r1", lockOwner: "a" })).toEqual({ status: 0 });
    expect(await core.unlock({ storeName: "lockstore", resourceId: "r1", lockOwner: "a" })).toEqual({ status: 1 });
  });

  it("honours keyPrefix", async () => {
    const { core, seen } = await setup({ keyPrefix: "name" });
    await core.tryLock({ storeName: "lockstore", resourceId: "r", lockOwner: "a", expiryInSeconds: 1 });
    expect(seen).toEqual(["lock||lockstore||r"]);
  });

  it("answers Dapr's errors for bad input, in Dapr's order", async () => {
    const { core } = await setup();
    expect(await codeOf(core.tryLock({ storeName: "nope", resourceId: "", lockOwner: "", expiryInSeconds: -1 }))).toEqual(["ERR_EXPIRY_NOT_POSITIVE", 400]);
    expect(await codeOf(core.tryLock({ storeName: "lockstore", resourceId: "", lockOwner: "a", expiryInSeconds: 1 }))).toEqual(["ERR_RESOURCE_ID_EMPTY", 400]);
    expect(await codeOf(core.tryLock({ storeName: "lockstore", resourceId: "r", lockOwner: "", expiryInSeconds: 1 }))).toEqual(["ERR_OWNER_EMPTY", 400]);
    expect(await codeOf(core.tryLock({ storeName: "nope", resourceId: "r", lockOwner: "a", expiryInSeconds: 1 }))).toEqual(["ERR_LOCK_NOT_FOUND", 404]);
    expect(await codeOf(core.unlock({ storeName: "nope", resourceId: "r", lockOwner: "a" }))).toEqual(["ERR_LOCK_NOT_FOUND", 404]);
    expect(await codeOf(core.tryLock({ storeName: "lockstore", resourceId: "a||b", lockOwner: "a", expiryInSeconds: 1 }))).toEqual(["ERR_TRY_LOCK", 500]);
  });

  it("says no lock store is configured when there is none", async () => {
    const { core, hub } = await setup();
    hub.remove("lockstore");
    expect(await codeOf(core.unlock({ storeName: "lockstore", resourceId: "r", lockOwner: "a" }))).toEqual(["ERR_LOCK_NOT_CONFIGURED", 500]);
  });
});
