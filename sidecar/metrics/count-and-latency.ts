// Dapr pairs most of its counts with a latency histogram (ms) that carries the
// same labels: component calls, pub/sub deliveries, input-binding events,
// workflow operations, HTTP responses. One declaration of that pair, so the two
// cannot drift apart in labels or buckets. Fast* (fast-metrics.ts): what they
// hand the registry is what prom-client's own classes would.
import { FastCounter, FastHistogram, type LabelValues } from "./fast-metrics.js";
import { latencyBucketsMs, metricsRegistry } from "./registry.js";

export interface CountAndLatency {
  readonly count: FastCounter;
  readonly latency: FastHistogram;
  /** Counts one event under `labels` and records its latency; with `ms` undefined (not known), only counts it. */
  record(labels: LabelValues, ms: number | undefined): void;
}

export function countAndLatency(o: {
  count: { name: string; help: string };
  latency: { name: string; help: string };
  /** In Dapr's order: series print their labels in this order. */
  labelNames: readonly string[];
}): CountAndLatency {
  // Registered count first, then latency: the order they are listed in /metrics.
  const count = new FastCounter({ ...o.count, labelNames: o.labelNames, registers: [metricsRegistry] });
  const latency = new FastHistogram({ ...o.latency, labelNames: o.labelNames, buckets: latencyBucketsMs, registers: [metricsRegistry] });
  return {
    count,
    latency,
    record(labels, ms) {
      count.inc(labels);
      if (ms !== undefined) latency.observe(labels, ms);
    },
  };
}
