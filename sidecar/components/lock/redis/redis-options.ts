// Dapr's common Redis connection metadata (components-contrib
// internal/component/redis) mapped to ioredis options. Shared by lock.redis,
// configuration.redis and bindings.redis.
import type { RedisOptions } from "ioredis";
import { boolProp, intProp, prop, requiredProp, type ComponentContext } from "../../component.js";

export function redisOptionsFromContext(ctx: ComponentContext): RedisOptions {
  const hostPort = requiredProp(ctx, "redisHost");
  // "host:port", "host" (port 6379) or "[v6addr]:port".
  const m = /^(?:\[([^\]]+)\]|([^:]+))(?::(\d*))?$/.exec(hostPort);
  if (!m) throw new Error(`component ${ctx.name}: redisHost '${hostPort}' must be host:port`);
  const host = m[1] ?? m[2];
  const port = m[3] ? Number(m[3]) : 6379;
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
