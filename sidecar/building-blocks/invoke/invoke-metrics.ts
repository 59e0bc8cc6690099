// Fast* (not prom-client's classes): updated on every request.
import { FastCounter, FastHistogram } from "../../metrics/fast-metrics.js";
import { latencyBucketsMs, metricsRegistry } from "../../metrics/registry.js";

export const invokeMetrics = {
  reqSent: new FastCounter({
    name: "dapr_runtime_service_invocation_req_sent_total",
    help: "Number of requests sent to a destination service",
    labelNames: ["app_id", "dest_app_id", "method", "type"],
    registers: [metricsRegistry],
  }),
  reqRecv: new FastCounter({
    name: "dapr_runtime_service_invocation_req_recv_total",
    help: "Number of requests received from a remote service",
    labelNames: ["app_id", "method"],
    registers: [metricsRegistry],
  }),
  resRecv: new FastCounter({
    name: "dapr_runtime_service_invocation_res_recv_total",
    help: "Number of responses received from a destination service",
    labelNames: ["app_id", "dest_app_id", "method", "type", "status"],
    registers: [metricsRegistry],
  }),
  latency: new FastHistogram({
    name: "dapr_runtime_service_invocation_res_recv_latency_ms",
    help: "Duration from sending a request to receiving a response (ms)",
    labelNames: ["app_id", "dest_app_id", "method", "status"],
    buckets: latencyBucketsMs,
    registers: [metricsRegistry],
  }),
};
