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

export function redisConnection(ctx: Pick<ComponentContext, "name" | "type" | "properties">): RedisConnection {
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
  const parsed = parseRedisHost(value, portProp);
  if (!parsed) throw new Error(`component ${name}: metadata 'redisHost' must be host:port, got '${value}'`);
  return parsed;
}

/** "host:port", "host" (port from `defaultPort`, else 6379) or "[v6addr]:port"; undefined when it is none of these. */
export function parseRedisHost(value: string, defaultPort?: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+))(?::(\d+))?$/.exec(value.trim());
  const host = m?.[1] ?? m?.[2];
  const port = Number(m?.[3] ?? (defaultPort || "6379"));
  if (!host || !Number.isInteger(port) || port <= 0 || port > 65535) return undefined;
  return { host, port };
}

/** A redis:// (rediss:// with TLS) URL for a connection, for clients configured by URL. */
export function redisUrl(c: RedisConnection): string {
  const auth = c.username || c.password ? `${encodeURIComponent(c.username ?? "")}${c.password ? `:${encodeURIComponent(c.password)}` : ""}@` : "";
  const host = c.host.includes(":") ? `[${c.host}]` : c.host;
  return `${c.enableTLS ? "rediss" : "redis"}://${auth}${host}:${c.port}/${c.db}`;
}
