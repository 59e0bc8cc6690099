// Dapr's common Redis connection metadata (components-contrib
// internal/component/redis) mapped to ioredis options. Shared by lock.redis,
// configuration.redis and bindings.redis.
import type { RedisOptions } from "ioredis";
import { intProp, type ComponentContext } from "../../component.js";
import { redisConnection } from "../../redis-connection.js";

export function redisOptionsFromContext(ctx: ComponentContext): RedisOptions {
  const c = redisConnection(ctx);
  return {
    host: c.host,
    port: c.port,
    db: c.db,
    username: c.username,
    password: c.password,
    // Dapr's enableTLS skips server verification (InsecureSkipVerify).
    tls: c.enableTLS ? { rejectUnauthorized: false } : undefined,
    maxRetriesPerRequest: intProp(ctx.properties, "maxRetries", 3),
    lazyConnect: true,
    connectionName: `dapr-ts-${ctx.name}`,
  };
}
