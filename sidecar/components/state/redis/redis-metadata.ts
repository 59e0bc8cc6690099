// Component metadata of `state.redis`, with Dapr's names and defaults.
import { boolProp, intProp, prop, requiredProp, type ComponentContext } from "../../component.js";
import { redisConnection } from "../../redis-connection.js";
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
  const conn = redisConnection(ctx);
  const ttlRaw = prop(ctx.properties, "ttlInSeconds");
  let ttlInSeconds: number | undefined;
  if (ttlRaw !== undefined && ttlRaw !== "") {
    ttlInSeconds = Number(ttlRaw);
    if (!Number.isInteger(ttlInSeconds)) throw new Error(`component ${ctx.name}: metadata 'ttlInSeconds' must be an integer, got '${ttlRaw}'`);
  }
  return {
    host: conn.host,
    port: conn.port,
    ...(conn.username ? { username: conn.username } : {}),
    ...(conn.password ? { password: conn.password } : {}),
    db: conn.db,
    tls: conn.enableTLS,
    tlsRejectUnauthorized: !boolProp(ctx.properties, "insecureSkipTLSVerify", false),
    maxRetries: intProp(ctx.properties, "redisMaxRetries", 3),
    dialTimeoutMs: durationProp(ctx.properties, "dialTimeout", 5000, undefined, 1),
    ...(ttlInSeconds !== undefined ? { ttlInSeconds } : {}),
  };
}
