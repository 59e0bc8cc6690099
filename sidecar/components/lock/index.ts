// The lock store registry: `lock.<type>/<version>` -> factory.
import { ComponentRegistry } from "../registry.js";
import { InMemoryLockStore } from "./in-memory/index.js";
import type { LockStore } from "./lock-store.js";
import { RedisLockStore } from "./redis/index.js";

export * from "./lock-store.js";
export * from "./lock-key.js";
export * from "./validate.js";

export const lockRegistry = new ComponentRegistry<LockStore>("lock");
lockRegistry.register("lock.redis", ["v1"], (ctx) => new RedisLockStore(ctx));
lockRegistry.register("lock.in-memory", ["v1"], (ctx) => new InMemoryLockStore(ctx));
