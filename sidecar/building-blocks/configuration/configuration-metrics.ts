import { Counter, Histogram } from "prom-client";
import { latencyBucketsMs, metricsRegistry } from "../../metrics/registry.js";

const labelNames = ["app_id", "component", "operation", "success"] as const;

export const configurationCount = new Counter({
  name: "dapr_component_configuration_count",
  help: "The number of operations performed on the configuration component",
  labelNames,
  registers: [metricsRegistry],
});

export const configurationLatency = new Histogram({
  name: "dapr_component_configuration_latencies",
  help: "The latency of the operations performed on the configuration component (ms)",
  labelNames,
  buckets: latencyBucketsMs,
  registers: [metricsRegistry],
});

/** Times one component call and records it under Dapr's configuration metric names. */
export async function measuredConfiguration<T>(appId: string, component: string, operation: string, fn: () => Promise<T>): Promise<T> {
  const start = performance.now();
  let success = "false";
  try {
    const r = await fn();
    success = "true";
    return r;
  } finally {
    const labels = { app_id: appId, component, operation, success };
    configurationCount.inc(labels);
    configurationLatency.observe(labels, performance.now() - start);
  }
}
