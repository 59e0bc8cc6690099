import { services, uniqueName } from "../../support/services.js";
import { runPubSubConformance } from "./suite.js";

runPubSubConformance("rabbitmq", {
  type: "pubsub.rabbitmq",
  properties: (consumerId) => ({
    connectionString: services.rabbitmq.url,
    consumerID: consumerId,
    // Dapr's default (false) drops a failed message; redelivery needs requeue.
    requeueInFailure: "true",
    // Keep queues after the last consumer leaves, so the TTL case can publish while nobody listens.
    deletedWhenUnused: "false",
    durable: "false",
    // One message at a time per subscription, so the order claim holds.
    concurrencyMode: "single",
    prefetchCount: "5",
  }),
  topic: () => uniqueName("topic"),
  claims: { redelivery: true, order: true, ttl: true, competingConsumers: true },
  settleMs: 100,
});
