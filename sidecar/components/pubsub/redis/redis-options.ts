// Reads Dapr's Redis connection metadata (`redisHost`, `redisPassword`,
// `redisUsername`, `redisDB`, `enableTLS`) and the pub/sub settings of
// `common/component/redis` into ioredis options and plain numbers.
import type { RedisOptions } from "ioredis";
import { intProp, type ComponentContext } from "../../component.js";
import { redisConnection } from "../../redis-connection.js";
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

export function redisStreamsSettings(ctx: ComponentContext): RedisStreamsSettings {
  const p = ctx.properties;
  const c = redisConnection(ctx);
  const connection: RedisOptions = {
    host: c.host,
    port: c.port,
    password: c.password,
    username: c.username,
    db: c.db,
    tls: c.enableTLS ? {} : undefined,
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
