// The lock store registry: `lock.<type>/<version>` -> factory.
import { ComponentRegistry, lazy } from "../registry.js";
import { InMemoryLockStore } from "./in-memory/index.js";
import type { LockStore } from "./lock-store.js";

export * from "./lock-store.js";
export * from "./lock-key.js";
export * from "./validate.js";

export const lockRegistry = new ComponentRegistry<LockStore>("lock");
lockRegistry.register("lock.redis", ["v1"], lazy(async () => { const m = await import("./redis/index.js"); return (ctx) => new m.RedisLockStore(ctx); }));
lockRegistry.register("lock.in-memory", ["v1"], (ctx) => new InMemoryLockStore(ctx));
