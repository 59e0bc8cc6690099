// Helpers for tests against the shared Redis on the standard port.
import { Redis } from "ioredis";
import { services } from "../../support/services.js";

export function testRedisClient(): Redis {
  return new Redis({ host: services.redis.host, port: services.redis.port });
}

/** Deletes every key under the given prefixes from the shared test Redis. */
export async function dropRedisKeys(prefixes: string[]): Promise<void> {
  const client = testRedisClient();
  try {
    for (const prefix of prefixes) {
      const pattern = prefix.replace(/[*?[\]\\]/g, "\\$&") + "*";
      for await (const keys of client.scanStream({ match: pattern, count: 500 })) if ((keys as string[]).length) await client.del(...(keys as string[]));
    }
  } finally {
    await client.quit();
  }
}

