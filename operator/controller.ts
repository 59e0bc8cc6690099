// One controller per kind: a work queue fed by informer events and a pool of
// workers calling the kind's reconciler. Workers run only while this replica
// leads (`start`/`stop` follow the Lease); events keep filling the queue in
// between, so a new leader starts with every key (after `resync`).
import type { Logger } from "../sidecar/log/logger.js";
import { operatorMetrics } from "./metrics.js";
import { WorkQueue } from "./work-queue.js";

export interface ReconcileResult {
  /** Reconcile this key again after this delay (time-driven work). */
  requeueAfterMs?: number;
}

export interface Reconciler {
  /** Names the controller in logs and metrics. */
  readonly name: string;
  reconcile(key: string): Promise<ReconcileResult | void>;
  /** Every key the caches hold right now. */
  keys(): string[];
}

export interface ControllerOptions {
  workers?: number;
  logger: Logger;
  /** Retry delays of failing keys (tests use small ones). */
  baseRetryDelayMs?: number;
}

export class Controller {
  private queue: WorkQueue;
  /** Reconcile passes finished (any result), for tests and diagnostics. */
  passes = 0;
  private running: Promise<void>[] = [];
  private readonly workers: number;
  private readonly logger: Logger;

  constructor(readonly reconciler: Reconciler, private readonly opts: ControllerOptions) {
    this.workers = opts.workers ?? 8;
    this.logger = opts.logger.child(`dapr.operator.${reconciler.name}`);
    this.queue = this.newQueue();
  }

  enqueue(key: string): void {
    this.queue.add(key);
    operatorMetrics.queueDepth.set({ controller: this.reconciler.name }, this.queue.length);
  }

  /** Queues every key in the caches: a new leader checks everything once. */
  resync(): void {
    for (const key of this.reconciler.keys()) this.queue.add(key);
  }

  /** Keys waiting for a worker. */
  get pending(): number {
    return this.queue.length;
  }

  get isRunning(): boolean {
    return this.running.length > 0;
  }

  start(): void {
    if (this.isRunning) return;
    this.resync();
    for (let i = 0; i < this.workers; i++) this.running.push(this.work(this.queue));
  }

  /** Stops the workers after their current pass; keys queued later wait for the next start. */
  async stop(): Promise<void> {
    const old = this.queue;
    this.queue = this.newQueue();
    old.shutDown();
    await Promise.all(this.running.splice(0));
  }

  private newQueue(): WorkQueue {
    return new WorkQueue(this.opts.baseRetryDelayMs !== undefined ? { baseDelayMs: this.opts.baseRetryDelayMs } : {});
  }

  private async work(queue: WorkQueue): Promise<void> {
    const name = this.reconciler.name;
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      const end = operatorMetrics.reconcileSeconds.startTimer({ controller: name });
      try {
        const result = await this.reconciler.reconcile(key);
        queue.forget(key);
        if (result?.requeueAfterMs !== undefined) {
          queue.addAfter(key, result.requeueAfterMs);
          operatorMetrics.reconciles.inc({ controller: name, result: "requeue" });
        } else {
          operatorMetrics.reconciles.inc({ controller: name, result: "success" });
        }
      } catch (err) {
        operatorMetrics.reconciles.inc({ controller: name, result: "error" });
        this.logger.warn("reconcile failed; retrying", { key, error: err instanceof Error ? err.message : String(err), retries: queue.retries(key) });
        queue.addRateLimited(key);
      } finally {
        end();
        this.passes++;
        queue.done(key);
        operatorMetrics.queueDepth.set({ controller: name }, queue.length);
      }
    }
  }
}
