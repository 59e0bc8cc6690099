import { services, uniqueName } from "../../support/services.js";
import { runPubSubConformance } from "./suite.js";

runPubSubConformance("mqtt3", {
  type: "pubsub.mqtt3",
  properties: (consumerId) => ({ url: services.mqtt.url, consumerID: consumerId, qos: "1" }),
  topic: () => uniqueName("topic"),
  claims: {
    redelivery: true,
    order: true,
    // MQTT 3.1.1 has no message expiry: the runtime's `expiration` covers TTL.
    ttl: false,
    // consumerID is the MQTT client id, so two instances of one group would evict
    // each other; competing consumers need a `$share/<group>/<topic>` topic (tested in mqtt3-pubsub.test.ts).
    competingConsumers: false,
  },
  settleMs: 100,
});
