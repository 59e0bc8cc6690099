// Dapr's common Redis connection metadata (components-contrib
// internal/component/redis) mapped to ioredis options. Shared by lock.redis,
// configuration.redis and bindings.redis.
import type { RedisOptions } from "ioredis";
import { boolProp, intProp, prop, requiredProp, type ComponentContext } from "../../component.js";

export function redisOptionsFromContext(ctx: ComponentContext): RedisOptions {
  const hostPort = requiredProp(ctx, "redisHost");
  const colon = hostPort.lastIndexOf(":");
  const host = colon > 0 ? hostPort.slice(0, colon) : hostPort;
  const port = colon > 0 ? Number(hostPort.slice(colon + 1)) : 6379;
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new Error(`component ${ctx.name}: redisHost '${hostPort}' must be host:port`);
  }
  const db = intProp(ctx.properties, "redisDB", 0);
  if (!Number.isInteger(db) || db < 0) throw new Error(`component ${ctx.name}: redisDB must be a non-negative integer`);
  return {
    host,
    port,
    db,
    username: prop(ctx.properties, "redisUsername") || undefined,
    password: prop(ctx.properties, "redisPassword") || undefined,
    // Dapr's enableTLS skips server verification (InsecureSkipVerify).
    tls: boolProp(ctx.properties, "enableTLS", false) ? { rejectUnauthorized: false } : undefined,
    maxRetriesPerRequest: intProp(ctx.properties, "maxRetries", 3),
    lazyConnect: true,
    connectionName: `dapr-ts-${ctx.name}`,
  };
}
