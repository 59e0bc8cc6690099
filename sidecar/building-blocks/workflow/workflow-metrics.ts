// Dapr's workflow metrics (pkg/diagnostics/workflow_monitoring.go), with the
// same names and labels so Dapr dashboards keep working.
import { Gauge } from "../../metrics/prom.js";
import { countAndLatency } from "../../metrics/count-and-latency.js";
import { metricsRegistry } from "../../metrics/registry.js";

const operations = countAndLatency({
  count: { name: "dapr_runtime_workflow_operation_count", help: "The number of successful/failed workflow operation requests" },
  latency: { name: "dapr_runtime_workflow_operation_latency", help: "The latencies of responses for workflow operation requests (ms)" },
  labelNames: ["app_id", "namespace", "operation", "status"],
});
const executions = countAndLatency({
  count: { name: "dapr_runtime_workflow_execution_count", help: "The number of successful/failed/terminated workflow executions" },
  latency: { name: "dapr_runtime_workflow_execution_latency", help: "The total time taken to run a workflow to completion (ms)" },
  labelNames: ["app_id", "namespace", "workflow_name", "status"],
});
const activities = countAndLatency({
  count: { name: "dapr_runtime_workflow_activity_execution_count", help: "The number of successful/failed workflow activity executions" },
  latency: { name: "dapr_runtime_workflow_activity_execution_latency", help: "The time taken to run a workflow activity (ms)" },
  labelNames: ["app_id", "namespace", "activity_name", "status"],
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
    operations.record({ app_id: appId, namespace, operation, status: ok ? "success" : "failed" }, ms);
  },
  execution(appId: string, workflowName: string, status: string, ms: number): void {
    executions.record({ app_id: appId, namespace, workflow_name: workflowName, status }, ms);
  },
  activity(appId: string, activityName: string, status: string, ms?: number): void {
    // Without its start time (not known) an activity is counted only.
    activities.record({ app_id: appId, namespace, activity_name: activityName, status }, ms);
  },
};
