import { Counter, Histogram } from "../../metrics/prom.js";
import { latencyBucketsMs, metricsRegistry } from "../../metrics/registry.js";
import { componentCallMetrics } from "../../metrics/component-call-metrics.js";

export const outputBindingCalls = componentCallMetrics({
  count: { name: "dapr_component_output_binding_count", help: "The number of operations invoked on the output binding component" },
  latency: { name: "dapr_component_output_binding_latencies", help: "The latency of the event processing on the output binding component (ms)" },
  labelNames: ["app_id", "component", "operation"],
});

export const inputBindingCount = new Counter({
  name: "dapr_component_input_binding_count",
  help: "The number of incoming events processed on the input binding component",
  labelNames: ["app_id", "component", "success"],
  registers: [metricsRegistry],
});

export const inputBindingLatency = new Histogram({
  name: "dapr_component_input_binding_latencies",
  help: "The triggering latency of the event processing on the input binding component (ms)",
  labelNames: ["app_id", "component", "success"],
  buckets: latencyBucketsMs,
  registers: [metricsRegistry],
});
