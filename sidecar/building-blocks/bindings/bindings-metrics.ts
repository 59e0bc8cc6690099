import { componentCallMetrics } from "../../metrics/component-call-metrics.js";
import { countAndLatency } from "../../metrics/count-and-latency.js";

export const outputBindingCalls = componentCallMetrics({
  count: { name: "dapr_component_output_binding_count", help: "The number of operations invoked on the output binding component" },
  latency: { name: "dapr_component_output_binding_latencies", help: "The latency of the event processing on the output binding component (ms)" },
  labelNames: ["app_id", "component", "operation"],
});

const inputBindingEvents = countAndLatency({
  count: { name: "dapr_component_input_binding_count", help: "The number of incoming events processed on the input binding component" },
  latency: { name: "dapr_component_input_binding_latencies", help: "The triggering latency of the event processing on the input binding component (ms)" },
  labelNames: ["app_id", "component", "success"],
});
export const inputBindingCount = inputBindingEvents.count;
export const inputBindingLatency = inputBindingEvents.latency;
