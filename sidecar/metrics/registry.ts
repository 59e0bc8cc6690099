// One Prometheus registry per process. Metric names follow Dapr's (`dapr_*`),
// so dashboards built for Dapr keep working. Each area declares its own metrics
// in its own folder against this registry.
import { collectDefaultMetrics, Registry } from "./prom.js";

/**
 * The process's registry. prom-client's process metrics (CPU, memory, heap, event
 * loop lag, GC, handles) are loaded on the first scrape, not at start-up, where
 * they cost about 45 ms (mostly @opentelemetry/api, which prom-client loads for
 * them). They are read at scrape time, so nothing is lost but the event-loop-lag
 * and GC samples from before the first scrape.
 */
export class SidecarRegistry extends Registry {
  private processMetrics = false;
  private daprMetrics = true;

  /**
   * The Configuration's `spec.metrics.enabled: false`: no Dapr metric (`dapr_*`) is served,
   * the ones already declared are dropped and those declared later (modules loaded on first
   * use) are refused; the process metrics stay, as daprd's Go runtime metrics do.
   */
  disableDaprMetrics(): void {
    this.daprMetrics = false;
    for (const m of this.getMetricsAsArray()) if (isDaprMetric(m.name)) this.removeSingleMetric(m.name);
  }

  override registerMetric(metric: Parameters<Registry["registerMetric"]>[0]): void {
    if (!this.daprMetrics && isDaprMetric((metric as unknown as { name: string }).name)) return;
    super.registerMetric(metric);
  }

  private withProcessMetrics(): void {
    if (this.processMetrics) return;
    this.processMetrics = true;
    collectDefaultMetrics({ register: this });
  }

  override metrics(): Promise<string> {
    this.withProcessMetrics();
    return super.metrics();
  }

  override getMetricsAsJSON(): ReturnType<Registry["getMetricsAsJSON"]> {
    this.withProcessMetrics();
    return super.getMetricsAsJSON();
  }
}

const isDaprMetric = (name: string): boolean => name.startsWith("dapr_");

export const metricsRegistry = new SidecarRegistry();

/** Latency buckets in milliseconds, as Dapr's OpenCensus views use. */
export const latencyBucketsMs = [1, 2, 3, 4, 5, 6, 8, 10, 13, 16, 20, 25, 30, 40, 50, 65, 80, 100, 130, 160, 200, 250, 300, 400, 500, 650, 800, 1000, 2000, 5000, 10000, 20000, 50000, 100000];
