import amqp from "amqplib";
import { services, uniqueName } from "../../support/services.js";
import { runPubSubConformance } from "./suite.js";

// Remember what the suite creates so teardown can remove the queues and exchanges,
// which outlive their consumers here (deletedWhenUnused false).
const groups = new Set<string>();
const topics = new Set<string>();

runPubSubConformance("rabbitmq", {
  type: "pubsub.rabbitmq",
  properties: (consumerId) => {
    groups.add(consumerId);
    return {
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
    };
  },
  topic: () => {
    const t = uniqueName("topic");
    topics.add(t);
    return t;
  },
  claims: { redelivery: true, order: true, ttl: true, competingConsumers: true },
  settleMs: 100,
  async teardown() {
    const conn = await amqp.connect(services.rabbitmq.url);
    const ch = await conn.createChannel();
    for (const t of topics) {
      for (const g of groups) await ch.deleteQueue(`${g}-${t}`);
      await ch.deleteExchange(t);
    }
    await conn.close();
  },
});
