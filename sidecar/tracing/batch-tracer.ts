// Batching between the request path and a span destination. `record` only
// appends to a bounded queue; a timer (or a full batch) starts one export at a
// time. A slow or unreachable collector therefore costs requests nothing: the
// queue fills, further spans are dropped and counted, and failures are logged
// at most once per interval with how many spans were lost since the last line.
import type { Logger } from "../log/logger.js";
import type { SpanRecord, Tracer } from "./tracer.js";

/** A span destination: sends one batch, throws when it was not accepted. */
export interface SpanExporter {
  export(spans: readonly SpanRecord[], signal: AbortSignal): Promise<void>;
  close?(): Promise<void>;
}

export interface BatchOptions {
  /** How often queued spans are sent. */
  flushIntervalMs?: number;
  /** Spans per export request. */
  maxBatch?: number;
  /** Spans held while the destination is slow or away; more are dropped. */
  maxQueue?: number;
  /** One export request's deadline (`tracing.otel.timeout`, 10s by default as in daprd). */
  exportTimeoutMs?: number;
  /** At most one failure line per this interval. */
  failureLogIntervalMs?: number;
}

const defaults: Required<BatchOptions> = {
  flushIntervalMs: 500,
  maxBatch: 512,
  maxQueue: 2048,
  exportTimeoutMs: 10_000,
  failureLogIntervalMs: 30_000,
};

export class BatchTracer implements Tracer {
  readonly enabled = true;
  private queue: SpanRecord[] = [];
  private inFlight: Promise<void> | undefined;
  private exporter: SpanExporter | undefined;
  private unusable = false;
  private closed = false;
  private readonly ready: Promise<void>;
  private readonly timer: NodeJS.Timeout;
  private readonly opts: Required<BatchOptions>;
  private lastFailureLogAt = -Infinity;
  private unreportedDrops = 0;
  private unreportedFailures = 0;
  private lastError = "";

  /** `exporter` may still be loading (OTLP modules are imported on first use). */
  constructor(private readonly name: string, exporter: SpanExporter | Promise<SpanExporter>, private readonly log: Logger, opts: BatchOptions = {}) {
    this.opts = { ...defaults, ...stripUndefined(opts) };
    this.ready = Promise.resolve(exporter).then(
      (e) => { this.exporter = e; },
      (err: unknown) => {
        this.unusable = true;
        this.queue = [];
        this.log.error("span exporter could not be created: spans are not exported", { exporter: this.name, error: (err as Error).message });
      },
    );
    this.timer = setInterval(() => this.kick(), this.opts.flushIntervalMs);
    this.timer.unref();
  }

  record(span: SpanRecord): void {
    if (this.unusable || this.closed) return;
    if (this.queue.length >= this.opts.maxQueue) {
      this.unreportedDrops++;
      this.reportFailures();
      return;
    }
    this.queue.push(span);
    if (this.queue.length >= this.opts.maxBatch) this.kick();
  }

  /** Sends what is queued (waiting for a running export first), then closes the exporter. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    await this.inFlight;
    await this.drain();
    this.reportFailures(true);
    await this.exporter?.close?.().catch(() => {});
  }

  private kick(): void {
    if (this.inFlight || this.queue.length === 0) return;
    this.inFlight = this.drain().finally(() => { this.inFlight = undefined; });
  }

  private async drain(): Promise<void> {
    await this.ready;
    while (this.exporter && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.opts.maxBatch);
      try {
        await this.exporter.export(batch, AbortSignal.timeout(this.opts.exportTimeoutMs));
      } catch (err) {
        // Tracing must never break the calls it describes: the batch is dropped and counted.
        this.unreportedFailures++;
        this.unreportedDrops += batch.length;
        this.lastError = (err as Error).message;
        this.reportFailures();
      }
    }
  }

  private reportFailures(force = false): void {
    if (this.unreportedDrops === 0 && this.unreportedFailures === 0) return;
    const now = Date.now();
    if (!force && now - this.lastFailureLogAt < this.opts.failureLogIntervalMs) return;
    this.lastFailureLogAt = now;
    this.log.warn("spans were not exported", {
      exporter: this.name,
      droppedSpans: this.unreportedDrops,
      failedRequests: this.unreportedFailures,
      ...(this.lastError ? { error: this.lastError } : { reason: "queue full" }),
    });
    this.unreportedDrops = 0;
    this.unreportedFailures = 0;
    this.lastError = "";
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
