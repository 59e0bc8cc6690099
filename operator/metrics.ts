// The operator's Prometheus metrics (`dapr_operator_*`), on the process-wide
// registry. The service counters carry Dapr's names and `app_id` label.
import { Counter, Gauge, Histogram } from "prom-client";
import { metricsRegistry } from "../sidecar/metrics/registry.js";

const registers = [metricsRegistry];

export const operatorMetrics = {
  serviceCreated: new Counter({ name: "dapr_operator_service_created_total", help: "The total number of dapr services created.", labelNames: ["app_id"], registers }),
  serviceUpdated: new Counter({ name: "dapr_operator_service_updated_total", help: "The total number of dapr services updated.", labelNames: ["app_id"], registers }),
  serviceDeleted: new Counter({ name: "dapr_operator_service_deleted_total", help: "The total number of dapr services deleted.", labelNames: ["app_id"], registers }),
  reconciles: new Counter({ name: "dapr_operator_reconcile_total", help: "Reconcile passes by controller and result (success, error, requeue).", labelNames: ["controller", "result"], registers }),
  reconcileSeconds: new Histogram({
    name: "dapr_operator_reconcile_duration_seconds",
    help: "Time of one reconcile pass.",
    labelNames: ["controller"],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  }),
  statusWrites: new Counter({ name: "dapr_operator_status_writes_total", help: "Status subresource writes (a pass that changes nothing writes nothing).", labelNames: ["controller"], registers }),
  queueDepth: new Gauge({ name: "dapr_operator_work_queue_depth", help: "Keys waiting in a controller's work queue.", labelNames: ["controller"], registers }),
  leader: new Gauge({ name: "dapr_operator_leader", help: "1 while this replica holds the leader Lease.", registers }),
};
