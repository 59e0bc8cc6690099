// Fast* (not prom-client's classes, see count-and-latency.ts): these are updated on every publish and delivery.
import { componentCallMetrics } from "../../metrics/component-call-metrics.js";
import { countAndLatency } from "../../metrics/count-and-latency.js";

/** Publishes: count and latency by component, topic and success. */
export const egress = componentCallMetrics({
  count: { name: "dapr_component_pubsub_egress_count", help: "The number of outgoing messages published to the pub/sub component" },
  latency: { name: "dapr_component_pubsub_egress_latencies", help: "The latency of the response from the pub/sub component (ms)" },
  labelNames: ["app_id", "component", "success", "topic"],
});

/** Deliveries to the app: count and latency by component, topic and outcome (success, retry, drop). */
const ingress = countAndLatency({
  count: { name: "dapr_component_pubsub_ingress_count", help: "The number of incoming messages arriving from the pub/sub component" },
  latency: { name: "dapr_component_pubsub_ingress_latencies", help: "The consuming app event processing latency (ms)" },
  labelNames: ["app_id", "component", "process_status", "topic"],
});
export const ingressCount = ingress.count;
export const ingressLatency = ingress.latency;
