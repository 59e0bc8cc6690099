// Component metadata of `state.redis`, with Dapr's names and defaults.
import { boolProp, intProp, prop, requiredProp, type ComponentContext } from "../../component.js";
import { durationProp } from "../common/state-metadata.js";

export interface RedisStateMetadata {
  host: string;
  port: number;
  username?: string;
  password?: string;
  db: number;
  tls: boolean;
  tlsRejectUnauthorized: boolean;
  maxRetries: number;
  dialTimeoutMs: number;
  /** Component default TTL; undefined means keys do not expire unless a request says so. */
  ttlInSeconds?: number;
}

export function parseRedisMetadata(ctx: ComponentContext): RedisStateMetadata {
  const hostProp = requiredProp(ctx, "redisHost");
  const redisType = (prop(ctx.properties, "redisType") || "node").toLowerCase();
  if (redisType !== "node") throw new Error(`component ${ctx.name}: redisType '${redisType}' is not supported by dapr-ts yet (only 'node')`);
  if (boolProp(ctx.properties, "failover", false)) throw new Error(`component ${ctx.name}: Redis Sentinel failover is not supported by dapr-ts yet`);
  if (hostProp.includes(",")) throw new Error(`component ${ctx.name}: several redisHost addresses need redisType cluster, which dapr-ts does not support yet`);
  const { host, port } = splitHostPort(hostProp, prop(ctx.properties, "redisPort"), ctx.name);
  const ttlRaw = prop(ctx.properties, "ttlInSeconds");
  let ttlInSeconds: number | undefined;
  if (ttlRaw !== undefined && ttlRaw !== "") {
    ttlInSeconds = Number(ttlRaw);
    if (!Number.isInteger(ttlInSeconds)) throw new Error(`component ${ctx.name}: metadata 'ttlInSeconds' must be an integer, got '${ttlRaw}'`);
  }
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
    tls: boolProp(ctx.properties, "enableTLS", false),
    tlsRejectUnauthorized: !boolProp(ctx.properties, "insecureSkipTLSVerify", false),
    maxRetries: intProp(ctx.properties, "redisMaxRetries", 3),
    dialTimeoutMs: durationProp(ctx.properties, "dialTimeout", 5000, undefined, 1),
    ...(ttlInSeconds !== undefined ? { ttlInSeconds } : {}),
  };
}

function splitHostPort(value: string, portProp: string | undefined, name: string): { host: string; port: number } {
  // "host:port", "[::1]:6379", or a bare host with redisPort.
  const m = /^\[(.+)\]:(\d+)$/.exec(value) ?? /^([^:]+):(\d+)$/.exec(value);
  const bare = /^\[(.+)\]$/.exec(value)?.[1] ?? (value.includes(":") ? "" : value);
  const host = m ? m[1]! : bare;
  const port = Number(m ? m[2] : portProp || "6379");
  if (!host || !Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`component ${name}: metadata 'redisHost' must be host:port, got '${value}'`);
  return { host, port };
}
