// Dapr records every component call the same way: a count and a latency
// histogram (ms) with the same labels plus `success`. One definition of that
// pattern; each building block names its pair of metrics. Fast* because they
// are updated on every component call (see fast-metrics.ts).
import { FastCounter, FastHistogram } from "./fast-metrics.js";
import { latencyBucketsMs, metricsRegistry } from "./registry.js";

export interface ComponentCallMetrics {
  /** Runs `fn`, then counts it and records its latency with `labels` and success "true"/"false". */
  measure<T>(labels: Record<string, string>, fn: () => Promise<T>): Promise<T>;
}

export function componentCallMetrics(o: {
  count: { name: string; help: string };
  latency: { name: string; help: string };
  /** Label names besides `success`. */
  labelNames: string[];
}): ComponentCallMetrics {
  const labelNames = [...o.labelNames, "success"];
  const count = new FastCounter({ ...o.count, labelNames, registers: [metricsRegistry] });
  const latency = new FastHistogram({ ...o.latency, labelNames, buckets: latencyBucketsMs, registers: [metricsRegistry] });
  return {
    async measure(labels, fn) {
      const start = performance.now();
      let success = "false";
      try {
        const r = await fn();
        success = "true";
        return r;
      } finally {
        const all = { ...labels, success };
        count.inc(all);
        latency.observe(all, performance.now() - start);
      }
    },
  };
}
