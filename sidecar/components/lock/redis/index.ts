// lock.redis: Dapr's standalone Redis lock. A lock is the key itself, set
// with `SET key owner NX PX <ms>`; unlock is an atomic compare-and-delete in
// Lua, so only the owner can remove it and an expired lock can be taken by
// anyone. Like Dapr, it refuses failover setups and servers with replicas,
// where a lock could be lost on promotion.
import { Redis } from "ioredis";
import { boolProp, type ComponentContext } from "../../component.js";
import { UnlockStatus, type LockStore, type TryLockRequest, type TryLockResponse, type UnlockRequest, type UnlockResponse } from "../lock-store.js";
import { validateTryLock, validateUnlock } from "../validate.js";
import { redisOptionsFromContext } from "./redis-options.js";

// -1: no such lock, -2: held by someone else, otherwise DEL's result.
const UNLOCK_SCRIPT = `local v = redis.call("get", KEYS[1])
if v == false then return -1 end
if v ~= ARGV[1] then return -2 end
return redis.call("del", KEYS[1])`;

/** ioredis with the unlock script as a command: sent as EVALSHA, re-sent as EVAL after NOSCRIPT (a restarted server). */
type LockRedis = Redis & { daprUnlock(key: string, owner: string): Promise<number> };

export class RedisLockStore implements LockStore {
  private client?: LockRedis;

  constructor(private readonly ctx: ComponentContext) {}

  async init(): Promise<void> {
    if (boolProp(this.ctx.properties, "failover", false)) {
      throw new Error(`component ${this.ctx.name}: lock.redis does not support failover`);
    }
    const client = new Redis(redisOptionsFromContext(this.ctx)) as LockRedis;
    client.defineCommand("daprUnlock", { numberOfKeys: 1, lua: UNLOCK_SCRIPT });
    client.on("error", (err: Error) => this.ctx.logger.debug("redis connection error", { error: err.message }));
    try {
      await client.connect();
      const info = await client.info("replication");
      const replicas = /connected_slaves:(\d+)/.exec(info);
      if (replicas && Number(replicas[1]) > 0) throw new Error("replication is not supported");
    } catch (err) {
      client.disconnect();
      throw new Error(`component ${this.ctx.name}: ${(err as Error).message}`);
    }
    this.client = client;
  }

  features(): string[] {
    return [];
  }

  private redis(): LockRedis {
    if (!this.client) throw new Error(`lock store ${this.ctx.name} is not initialized`);
    return this.client;
  }

  async tryLock(req: TryLockRequest): Promise<TryLockResponse> {
    validateTryLock(req, this.ctx.name);
    const ok = await this.redis().set(req.resourceId, req.lockOwner, "PX", req.expiryInSeconds * 1000, "NX");
    return { success: ok === "OK" };
  }

  async unlock(req: UnlockRequest): Promise<UnlockResponse> {
    validateUnlock(req, this.ctx.name);
    const r = Number(await this.redis().daprUnlock(req.resourceId, req.lockOwner));
    if (r >= 0) return { status: UnlockStatus.SUCCESS };
    if (r === -1) return { status: UnlockStatus.LOCK_DOES_NOT_EXIST };
    if (r === -2) return { status: UnlockStatus.LOCK_BELONGS_TO_OTHERS };
    return { status: UnlockStatus.INTERNAL_ERROR };
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    if (c) await c.quit().catch(() => c.disconnect());
  }
}
