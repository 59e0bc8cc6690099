// Reads Dapr's Redis connection metadata (`redisHost`, `redisPassword`,
// `redisUsername`, `redisDB`, `enableTLS`) and the pub/sub settings of
// `common/component/redis` into ioredis options and plain numbers.
import type { RedisOptions } from "ioredis";
import { boolProp, intProp, prop, type ComponentContext } from "../../component.js";
import { consumerIdOf, durationProp } from "../metadata.js";

export interface RedisStreamsSettings {
  connection: RedisOptions;
  consumerId: string;
  /** How long a message stays pending before another read may claim it (0 disables redelivery). */
  processingTimeoutMs: number;
  /** How often pending messages are checked for redelivery (0 disables redelivery). */
  redeliverIntervalMs: number;
  queueDepth: number;
  concurrency: number;
  /** XADD MAXLEN ~ N; 0 means unbounded. */
  maxLenApprox: number;
  /** XADD MINID ~ (now - streamTTL); 0 means no trimming by age. */
  streamTtlMs: number;
}

function hostAndPort(raw: string, name: string): { host: string; port: number } {
  const i = raw.lastIndexOf(":");
  if (i < 0) return { host: raw, port: 6379 };
  const port = Number(raw.slice(i + 1));
  if (!Number.isInteger(port) || port <= 0) throw new Error(`component ${name}: redisHost '${raw}' has an invalid port`);
  return { host: raw.slice(0, i), port };
}

export function redisStreamsSettings(ctx: ComponentContext): RedisStreamsSettings {
  const p = ctx.properties;
  const hostRaw = prop(p, "redisHost");
  if (!hostRaw) throw new Error(`component ${ctx.name} (${ctx.type}): missing required metadata 'redisHost'`);
  const { host, port } = hostAndPort(hostRaw, ctx.name);
  const connection: RedisOptions = {
    host,
    port,
    password: prop(p, "redisPassword") || undefined,
    username: prop(p, "redisUsername") || undefined,
    db: intProp(p, "redisDB", 0),
    tls: boolProp(p, "enableTLS", false) ? {} : undefined,
    // Keep reconnecting forever with a capped backoff: a broker restart must not end the subscription.
    retryStrategy: (times) => Math.min(50 * times, 2000),
    lazyConnect: true,
  };
  const nonNegative = (name: string, dflt: number) => {
    const n = intProp(p, name, dflt);
    if (!Number.isInteger(n) || n < 0) throw new Error(`component ${ctx.name}: metadata '${name}' must be a non-negative integer`);
    return n;
  };
  const concurrency = nonNegative("concurrency", 10);
  const queueDepth = nonNegative("queueDepth", 100);
  return {
    connection,
    consumerId: consumerIdOf(p, ctx.appId),
    processingTimeoutMs: durationProp(p, "processingTimeout", 15_000),
    redeliverIntervalMs: durationProp(p, "redeliverInterval", 60_000),
    queueDepth: Math.max(1, queueDepth),
    concurrency: Math.max(1, concurrency),
    maxLenApprox: nonNegative("maxLenApprox", 0),
    streamTtlMs: durationProp(p, "streamTTL", 0),
  };
}
