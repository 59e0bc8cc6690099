// App health checks (--enable-app-health-check): probe the app every interval;
// after `threshold` failures in a row it is unhealthy, after one success healthy
// again. Listeners pause and resume delivery (pub/sub, bindings) on changes.
import type { Logger } from "../log/logger.js";
import type { AppChannel } from "./app-channel.js";

export interface AppHealthOptions {
  intervalMs: number;
  timeoutMs: number;
  threshold: number;
}

export class AppHealthMonitor {
  private healthy = true;
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<(healthy: boolean) => void>();

  constructor(private readonly channel: AppChannel, private readonly o: AppHealthOptions, private readonly log: Logger) {}

  isHealthy(): boolean {
    return this.healthy;
  }

  onChange(fn: (healthy: boolean) => void): void {
    this.listeners.add(fn);
  }

  start(): void {
    const tick = async () => {
      const ok = await this.channel.healthProbe(this.o.timeoutMs);
      this.record(ok);
      if (this.timer !== undefined) this.timer = setTimeout(tick, this.o.intervalMs);
    };
    this.timer = setTimeout(tick, 0);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private record(ok: boolean): void {
    if (ok) {
      this.failures = 0;
      if (!this.healthy) this.set(true);
      return;
    }
    this.failures++;
    if (this.healthy && this.failures >= this.o.threshold) this.set(false);
  }

  private set(healthy: boolean): void {
    this.healthy = healthy;
    this.log.info(healthy ? "app is healthy again" : "app is unhealthy", { failures: this.failures });
    for (const fn of this.listeners) fn(healthy);
  }
}
