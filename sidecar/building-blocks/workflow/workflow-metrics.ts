// Dapr's workflow metrics (pkg/diagnostics/workflow_monitoring.go), with the
// same names and labels so Dapr dashboards keep working.
import { Counter, Gauge, Histogram } from "../../metrics/prom.js";
import { latencyBucketsMs, metricsRegistry } from "../../metrics/registry.js";

const operationCount = new Counter({
  name: "dapr_runtime_workflow_operation_count",
  help: "The number of successful/failed workflow operation requests",
  labelNames: ["app_id", "namespace", "operation", "status"],
  registers: [metricsRegistry],
});
const operationLatency = new Histogram({
  name: "dapr_runtime_workflow_operation_latency",
  help: "The latencies of responses for workflow operation requests (ms)",
  labelNames: ["app_id", "namespace", "operation", "status"],
  buckets: latencyBucketsMs,
  registers: [metricsRegistry],
});
const executionCount = new Counter({
  name: "dapr_runtime_workflow_execution_count",
  help: "The number of successful/failed/terminated workflow executions",
  labelNames: ["app_id", "namespace", "workflow_name", "status"],
  registers: [metricsRegistry],
});
const executionLatency = new Histogram({
  name: "dapr_runtime_workflow_execution_latency",
  help: "The total time taken to run a workflow to completion (ms)",
  labelNames: ["app_id", "namespace", "workflow_name", "status"],
  buckets: latencyBucketsMs,
  registers: [metricsRegistry],
});
const activityCount = new Counter({
  name: "dapr_runtime_workflow_activity_execution_count",
  help: "The number of successful/failed workflow activity executions",
  labelNames: ["app_id", "namespace", "activity_name", "status"],
  registers: [metricsRegistry],
});
const activityLatency = new Histogram({
  name: "dapr_runtime_workflow_activity_execution_latency",
  help: "The time taken to run a workflow activity (ms)",
  labelNames: ["app_id", "namespace", "activity_name", "status"],
  buckets: latencyBucketsMs,
  registers: [metricsRegistry],
});
const workers = new Gauge({
  name: "dapr_runtime_workflow_connected_workers",
  help: "The number of workflow workers connected to this sidecar",
  labelNames: ["app_id"],
  registers: [metricsRegistry],
});

let namespace = "default";

export const workflowMetrics = {
  workers,
  setNamespace(ns: string): void {
    namespace = ns;
  },
  operation(appId: string, operation: string, ok: boolean, ms: number): void {
    const labels = { app_id: appId, namespace, operation, status: ok ? "success" : "failed" };
    operationCount.inc(labels);
    operationLatency.observe(labels, ms);
  },
  execution(appId: string, workflowName: string, status: string, ms: number): void {
    const labels = { app_id: appId, namespace, workflow_name: workflowName, status };
    executionCount.inc(labels);
    executionLatency.observe(labels, ms);
  },
  activity(appId: string, activityName: string, status: string, ms?: number): void {
    const labels = { app_id: appId, namespace, activity_name: activityName, status };
    activityCount.inc(labels);
    if (ms !== undefined) activityLatency.observe(labels, ms);
  },
};
