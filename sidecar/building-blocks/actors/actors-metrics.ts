// Dapr's actor metrics (`dapr_runtime_actor_*`, pkg/diagnostics/actors_monitoring.go),
// with its label names, on the one registry.
import { Counter, Gauge } from "../../metrics/prom.js";
import { metricsRegistry } from "../../metrics/registry.js";

const registers = [metricsRegistry];
const typeLabels = ["app_id", "actor_type"] as const;

function counter(name: string, help: string, labels: readonly string[] = typeLabels) {
  return (metricsRegistry.getSingleMetric(name) as Counter<string> | undefined) ?? new Counter({ name, help, labelNames: labels, registers });
}

function gauge(name: string, help: string, labels: readonly string[] = typeLabels) {
  return (metricsRegistry.getSingleMetric(name) as Gauge<string> | undefined) ?? new Gauge({ name, help, labelNames: labels, registers });
}

export const actorMetrics = {
  activated: counter("dapr_runtime_actor_activated_total", "The number of actor activations."),
  deactivated: counter("dapr_runtime_actor_deactivated_total", "The number of actor deactivations."),
  deactivatedFailed: counter("dapr_runtime_actor_deactivated_failed_total", "The number of failed actor deactivations."),
  rebalanced: counter("dapr_runtime_actor_rebalanced_total", "The number of actors rebalanced to another host."),
  pendingCalls: gauge("dapr_runtime_actor_pending_actor_calls", "The number of pending actor calls waiting for the actor lock."),
  timers: gauge("dapr_runtime_actor_timers", "The number of actor timers."),
  reminders: gauge("dapr_runtime_actor_reminders", "The number of actor reminders."),
  timersFired: counter("dapr_runtime_actor_timers_fired_total", "The number of actor timers fired."),
  remindersFired: counter("dapr_runtime_actor_reminders_fired_total", "The number of actor reminders fired."),
  tableOperations: counter("dapr_runtime_actor_table_operation_recv_total", "The number of placement table updates received.", ["app_id", "actor_type", "operation"]),
};
