import { Redis } from "ioredis";
import { services, uniqueName } from "../../support/services.js";
import { runPubSubConformance } from "./suite.js";

const streams = new Set<string>();

runPubSubConformance("redis", {
  type: "pubsub.redis",
  properties: (consumerId) => ({
    redisHost: `${services.redis.host}:${services.redis.port}`,
    consumerID: consumerId,
    processingTimeout: "1s",
    redeliverInterval: "200ms",
    // One worker, so the order claim holds (Dapr's default of 10 processes concurrently).
    concurrency: "1",
  }),
  topic: () => {
    const t = uniqueName("topic");
    streams.add(t);
    return t;
  },
  // No TTL claim: Dapr's redis component has no MESSAGE_TTL; the runtime's `expiration` covers it.
  claims: { redelivery: true, order: true, ttl: false, competingConsumers: true },
  async teardown() {
    const r = new Redis(services.redis.port, services.redis.host);
    if (streams.size > 0) await r.del(...streams);
    r.disconnect();
  },
});
