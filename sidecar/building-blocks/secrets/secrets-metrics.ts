import { Counter, Histogram } from "prom-client";
import { latencyBucketsMs, metricsRegistry } from "../../metrics/registry.js";

// Labels never carry a secret's name or value: only the store and the operation.
const labelNames = ["app_id", "component", "operation", "success"] as const;

export const secretCount = new Counter({
  name: "dapr_component_secret_count",
  help: "The number of operations performed on the secret component",
  labelNames,
  registers: [metricsRegistry],
});

export const secretLatency = new Histogram({
  name: "dapr_component_secret_latencies",
  help: "The latency of the operations performed on the secret component (ms)",
  labelNames,
  buckets: latencyBucketsMs,
  registers: [metricsRegistry],
});
