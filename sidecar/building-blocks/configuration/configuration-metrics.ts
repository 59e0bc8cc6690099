import { componentCallMetrics } from "../../metrics/component-call-metrics.js";

const configurationCalls = componentCallMetrics({
  count: { name: "dapr_component_configuration_count", help: "The number of operations performed on the configuration component" },
  latency: { name: "dapr_component_configuration_latencies", help: "The latency of the operations performed on the configuration component (ms)" },
  labelNames: ["app_id", "component", "operation"],
});

/** Times one component call and records it under Dapr's configuration metric names. */
export function measuredConfiguration<T>(appId: string, component: string, operation: string, fn: () => Promise<T>): Promise<T> {
  return configurationCalls.measure({ app_id: appId, component, operation }, fn);
}
