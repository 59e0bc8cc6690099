// bindings.redis: an output binding on plain Redis keys.
//   create    SET key <data>           (+ EXPIRE with `ttlInSeconds`)
//   get       GET key                  -> the value as data (GETDEL with `delete: "true"`)
//   delete    DEL key
//   increment INCR key                 (+ EXPIRE with `ttlInSeconds`)
// `key` comes from the request metadata; `get` of a missing key answers no data.
import { Redis } from "ioredis";
import type { ComponentContext } from "../../component.js";
import { redisOptionsFromContext } from "../../lock/redis/redis-options.js";
import { assertOperation, type InvokeRequest, type InvokeResponse, type OutputBinding } from "../binding.js";

const OPERATIONS = ["create", "get", "delete", "increment"];

function ttlSeconds(md: Record<string, string>): number | undefined {
  const raw = md["ttlInSeconds"];
  if (raw === undefined || raw === "") return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`ttlInSeconds must be a non-negative integer, got '${raw}'`);
  return n > 0 ? n : undefined;
}

export class RedisOutputBinding implements OutputBinding {
  private client?: Redis;

  constructor(private readonly ctx: ComponentContext) {}

  async init(): Promise<void> {
    const opts = redisOptionsFromContext(this.ctx);
    const client = new Redis(opts);
    client.on("error", (err: Error) => this.ctx.logger.debug("redis connection error", { error: err.message }));
    try {
      await client.connect();
    } catch (err) {
      client.disconnect();
      throw new Error(`redis binding: error connecting to redis at ${opts.host}:${opts.port}: ${(err as Error).message}`);
    }
    this.client = client;
  }

  operations(): string[] {
    return [...OPERATIONS];
  }

  async invoke(req: InvokeRequest): Promise<InvokeResponse> {
    assertOperation(this, req.operation, this.ctx.name);
    const redis = this.client;
    if (!redis) throw new Error(`binding ${this.ctx.name} is not initialized`);
    const key = req.metadata["key"];
    if (!key) throw new Error("redis binding: missing key in request metadata");
    const ttl = ttlSeconds(req.metadata);
    switch (req.operation) {
      case "create":
        if (ttl) await redis.set(key, req.data, "EX", ttl);
        else await redis.set(key, req.data);
        return {};
      case "get": {
        const v = req.metadata["delete"] === "true" ? await redis.getdelBuffer(key) : await redis.getBuffer(key);
        return v === null ? {} : { data: v };
      }
      case "delete":
        await redis.del(key);
        return {};
      default: {
        // increment
        const multi = redis.multi().incr(key);
        if (ttl) multi.expire(key, ttl);
        const results = await multi.exec();
        const failed = results?.find(([err]) => err);
        if (failed) throw failed[0] as Error;
        return {};
      }
    }
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    if (c) await c.quit().catch(() => c.disconnect());
  }
}
