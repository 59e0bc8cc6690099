import { connect } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { services, uniqueName } from "../../support/services.js";
import { runPubSubConformance } from "./suite.js";

// Dapr's jetstream component needs an existing stream: one per suite run, holding `<prefix>.>`.
const prefix = uniqueName("conf").replaceAll("-", "_");
const stream = `${prefix}_stream`;
let n = 0;

runPubSubConformance("jetstream", {
  type: "pubsub.jetstream",
  properties: (consumerId) => ({ natsURL: services.nats.url, consumerID: consumerId, concurrencyMode: "single" }),
  topic: () => `${prefix}.t${n++}`,
  claims: {
    redelivery: true,
    order: true,
    // Dapr's jetstream component has no MESSAGE_TTL; the runtime's `expiration` covers it.
    ttl: false,
    competingConsumers: true,
  },
  async setup() {
    const nc = await connect({ servers: services.nats.url });
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: stream, subjects: [`${prefix}.>`] });
    await nc.close();
  },
  async teardown() {
    const nc = await connect({ servers: services.nats.url });
    const jsm = await jetstreamManager(nc);
    await jsm.streams.delete(stream).catch(() => {});
    await nc.close();
  },
});
