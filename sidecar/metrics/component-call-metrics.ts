// Dapr records every component call the same way: a count and a latency
// histogram (ms) with the same labels plus `success`. One definition of that
// pattern; each building block names its pair of metrics (count-and-latency.ts).
import { countAndLatency } from "./count-and-latency.js";

export interface ComponentCallMetrics {
  /** Runs `fn`, then counts it and records its latency with `labels` and success "true"/"false". */
  measure<T>(labels: Record<string, string>, fn: () => Promise<T>): Promise<T>;
}

export function componentCallMetrics(o: {
  count: { name: string; help: string };
  latency: { name: string; help: string };
  /** Label names; `success` is added last unless listed (Dapr's order differs per metric). */
  labelNames: string[];
}): ComponentCallMetrics {
  const labelNames = o.labelNames.includes("success") ? o.labelNames : [...o.labelNames, "success"];
  const successLast = labelNames[labelNames.length - 1] === "success";
  const ordered = (labels: Record<string, string>, success: string) =>
    Object.fromEntries(labelNames.map((n) => [n, n === "success" ? success : labels[n]!]));
  const pair = countAndLatency({ count: o.count, latency: o.latency, labelNames });
  return {
    async measure(labels, fn) {
      const start = performance.now();
      let success = "false";
      try {
        const r = await fn();
        success = "true";
        return r;
      } finally {
        // Series print their labels in the order of this object: keep the declared order.
        pair.record(successLast ? { ...labels, success } : ordered(labels, success), performance.now() - start);
      }
    },
  };
}
