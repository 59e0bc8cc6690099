import { services, uniqueName } from "../../support/services.js";
import { runPubSubConformance } from "./suite.js";

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
  topic: () => uniqueName("topic"),
  // No TTL claim: Dapr's redis component has no MESSAGE_TTL; the runtime's `expiration` covers it.
  claims: { redelivery: true, order: true, ttl: false, competingConsumers: true },
});
