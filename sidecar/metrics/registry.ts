// One Prometheus registry per process. Metric names follow Dapr's (`dapr_*`),
// so dashboards built for Dapr keep working. Each area declares its own metrics
// in its own folder against this registry.
import { collectDefaultMetrics, Registry } from "prom-client";

export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry });

/** Latency buckets in milliseconds, as Dapr's OpenCensus views use. */
export const latencyBucketsMs = [1, 2, 3, 4, 5, 6, 8, 10, 13, 16, 20, 25, 30, 40, 50, 65, 80, 100, 130, 160, 200, 250, 300, 400, 500, 650, 800, 1000, 2000, 5000, 10000, 20000, 50000, 100000];
