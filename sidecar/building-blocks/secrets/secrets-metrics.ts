import { componentCallMetrics } from "../../metrics/component-call-metrics.js";

// Labels never carry a secret's name or value: only the store and the operation.
export const secretCalls = componentCallMetrics({
  count: { name: "dapr_component_secret_count", help: "The number of operations performed on the secret component" },
  latency: { name: "dapr_component_secret_latencies", help: "The latency of the operations performed on the secret component (ms)" },
  labelNames: ["app_id", "component", "operation"],
});
