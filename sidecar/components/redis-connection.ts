// Dapr's common Redis connection metadata (components-contrib's shared Redis
// settings), read once for every Redis-backed component: `redisHost`
// ("host:port", "host", "[v6addr]:port"; `redisPort` for a bare host),
// `redisUsername`, `redisPassword`, `redisDB`, `enableTLS`. Each component adds
// its own client options (retries, reconnects, TLS verification) on top.
import { boolProp, intProp, prop, requiredProp, type ComponentContext } from "./component.js";

export interface RedisConnection {
  host: string;
  port: number;
  username?: string;
  password?: string;
  db: number;
  enableTLS: boolean;
}

export function redisConnection(ctx: ComponentContext): RedisConnection {
  const value = requiredProp(ctx, "redisHost");
  const { host, port } = hostAndPort(value, prop(ctx.properties, "redisPort"), ctx.name);
  const db = intProp(ctx.properties, "redisDB", 0);
  if (!Number.isInteger(db) || db < 0) throw new Error(`component ${ctx.name}: metadata 'redisDB' must be a non-negative integer`);
  const username = prop(ctx.properties, "redisUsername");
  const password = prop(ctx.properties, "redisPassword");
  return {
    host,
    port,
    ...(username ? { username } : {}),
    ...(password ? { password } : {}),
    db,
    enableTLS: boolProp(ctx.properties, "enableTLS", false),
  };
}

function hostAndPort(value: string, portProp: string | undefined, name: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+))(?::(\d+))?$/.exec(value);
  const host = m?.[1] ?? m?.[2];
  const port = Number(m?.[3] ?? (portProp || "6379"));
  if (!host || !Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`component ${name}: metadata 'redisHost' must be host:port, got '${value}'`);
  return { host, port };
}
