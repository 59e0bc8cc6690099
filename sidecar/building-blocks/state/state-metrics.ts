import { componentCallMetrics } from "../../metrics/component-call-metrics.js";

const stateCalls = componentCallMetrics({
  count: { name: "dapr_component_state_count", help: "The number of operations performed on the state component" },
  latency: { name: "dapr_component_state_latencies", help: "The latency of the operations performed on the state component (ms)" },
  labelNames: ["app_id", "component", "operation"],
});

/** Times one component call and records it under Dapr's state metric names. */
export function measured<T>(appId: string, component: string, operation: string, fn: () => Promise<T>): Promise<T> {
  return stateCalls.measure({ app_id: appId, component, operation }, fn);
}
