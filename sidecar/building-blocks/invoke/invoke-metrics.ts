// Fast* (not prom-client's classes): updated on every request.
import { FastCounter, FastHistogram, type CounterSeries, type HistogramSeries } from "../../metrics/fast-metrics.js";
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

/** The caller's series of one destination app and method (the answer's series per status). */
export interface OutboundSeries {
  sent: CounterSeries;
  /** Counts an answer and its latency. */
  answered(status: number, latencyMs: number): void;
}

/**
 * The caller's invocation series, looked up once per destination, method and
 * status and then held (FastCounter.series): every call carries the same few
 * labels, and walking the label maps of three metrics was a share of each call.
 * A metrics reset zeroes the held series; they stay valid.
 */
export class OutboundMetrics {
  private readonly byDest = new Map<string, Map<string, OutboundSeries>>();

  constructor(private readonly appId: string, private readonly type: string) {}

  of(destAppId: string, method: string): OutboundSeries {
    let byMethod = this.byDest.get(destAppId);
    if (!byMethod) {
      byMethod = new Map();
      this.byDest.set(destAppId, byMethod);
    }
    let s = byMethod.get(method);
    if (!s) {
      s = this.create(destAppId, method);
      byMethod.set(method, s);
    }
    return s;
  }

  private create(destAppId: string, method: string): OutboundSeries {
    const { appId, type } = this;
    const byStatus = new Map<number, { recv: CounterSeries; latency: HistogramSeries }>();
    return {
      sent: invokeMetrics.reqSent.series({ app_id: appId, dest_app_id: destAppId, method, type }),
      answered(status, latencyMs) {
        let a = byStatus.get(status);
        if (!a) {
          const code = String(status);
          a = {
            recv: invokeMetrics.resRecv.series({ app_id: appId, dest_app_id: destAppId, method, type, status: code }),
            latency: invokeMetrics.latency.series({ app_id: appId, dest_app_id: destAppId, method, status: code }),
          };
          byStatus.set(status, a);
        }
        a.recv.inc();
        a.latency.observe(latencyMs);
      },
    };
  }
}

/** The callee's series of requests received, one per method, looked up once and held (as OutboundMetrics). */
export class InboundMetrics {
  private readonly byMethod = new Map<string, CounterSeries>();

  constructor(private readonly appId: string) {}

  received(method: string): void {
    let s = this.byMethod.get(method);
    if (!s) {
      s = invokeMetrics.reqRecv.series({ app_id: this.appId, method });
      this.byMethod.set(method, s);
    }
    s.inc();
  }
}
