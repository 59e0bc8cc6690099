// Fast* (not prom-client's classes): these are updated on every publish and delivery.
import { FastCounter, FastHistogram } from "../../metrics/fast-metrics.js";
import { componentCallMetrics } from "../../metrics/component-call-metrics.js";
import { latencyBucketsMs, metricsRegistry } from "../../metrics/registry.js";

/** Publishes: count and latency by component, topic and success. */
export const egress = componentCallMetrics({
  count: { name: "dapr_component_pubsub_egress_count", help: "The number of outgoing messages published to the pub/sub component" },
  latency: { name: "dapr_component_pubsub_egress_latencies", help: "The latency of the response from the pub/sub component (ms)" },
  labelNames: ["app_id", "component", "success", "topic"],
});
export const ingressCount = new FastCounter({
  name: "dapr_component_pubsub_ingress_count",
  help: "The number of incoming messages arriving from the pub/sub component",
  labelNames: ["app_id", "component", "process_status", "topic"],
  registers: [metricsRegistry],
});
export const ingressLatency = new FastHistogram({
  name: "dapr_component_pubsub_ingress_latencies",
  help: "The consuming app event processing latency (ms)",
  labelNames: ["app_id", "component", "process_status", "topic"],
  buckets: latencyBucketsMs,
  registers: [metricsRegistry],
});
