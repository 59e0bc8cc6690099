import { uniqueName } from "../../support/services.js";
import { runPubSubConformance } from "./suite.js";

runPubSubConformance("in-memory", {
  type: "pubsub.in-memory",
  properties: (consumerId) => ({ consumerID: consumerId, redeliverInterval: "100ms" }),
  topic: () => uniqueName("topic"),
  claims: { redelivery: true, order: true, ttl: true, competingConsumers: true },
});
