// Hands work items to the connected workers (GetWorkItems streams). Several
// workers share the work round-robin. Each stream gets at most `maxInFlight`
// unfinished items: the SDK worker runs 10 at a time, queues 100 and silently
// DROPS the rest, so the sidecar must never push more than that. Items of a
// worker that disconnects go back to the front of the queue (redelivery).
import type * as grpc from "@grpc/grpc-js";

/**
 * A unit of work. `build` runs when a worker slot is free, so the request
 * reflects the latest state; it returns undefined when the work is no longer
 * needed (instance finished, terminated, purged).
 */
export interface WorkItem {
  kind: "orchestrator" | "activity";
  key: string;
  build: () => unknown | undefined;
}

export interface WorkerStream {
  id: number;
  call: grpc.ServerWritableStream<unknown, unknown>;
  inFlight: Map<string, WorkItem>;
}

export class WorkDispatcher {
  private readonly queue: WorkItem[] = [];
  private readonly queuedKeys = new Set<string>();
  private readonly streams: WorkerStream[] = [];
  private nextStreamId = 1;
  private rr = 0;

  constructor(private readonly maxInFlight = 100, private readonly onWorkersChanged: (n: number) => void = () => {}) {}

  get connectedWorkers(): number {
    return this.streams.length;
  }

  get queued(): number {
    return this.queue.length;
  }

  attach(call: grpc.ServerWritableStream<unknown, unknown>): WorkerStream {
    const s: WorkerStream = { id: this.nextStreamId++, call, inFlight: new Map() };
    this.streams.push(s);
    this.onWorkersChanged(this.streams.length);
    this.pump();
    return s;
  }

  /** The worker went away: what it had not finished is handed out again, first. */
  detach(s: WorkerStream): void {
    const i = this.streams.indexOf(s);
    if (i < 0) return;
    this.streams.splice(i, 1);
    const orphans = [...s.inFlight.values()];
    s.inFlight.clear();
    for (const item of orphans.reverse()) {
      if (this.queuedKeys.has(item.key)) continue;
      this.queue.unshift(item);
      this.queuedKeys.add(item.key);
    }
    this.onWorkersChanged(this.streams.length);
    this.pump();
  }

  /** Ends every worker stream (sidecar shutdown); the SDK reconnects to whichever sidecar comes back. */
  closeAll(): void {
    for (const s of [...this.streams]) {
      try {
        s.call.end();
      } catch {
        // already closed
      }
    }
  }

  /** Queues an item unless the same key is already queued or being worked on. */
  submit(item: WorkItem): void {
    if (this.queuedKeys.has(item.key) || this.isInFlight(item.key)) return;
    this.queue.push(item);
    this.queuedKeys.add(item.key);
    this.pump();
  }

  /** Withdraws a queued item (instance terminated or purged); in-flight ones simply get ignored answers. */
  cancel(key: string): void {
    if (!this.queuedKeys.delete(key)) return;
    const i = this.queue.findIndex((w) => w.key === key);
    if (i >= 0) this.queue.splice(i, 1);
  }

  /** The worker finished `key`: frees its slot. Returns whether the item was outstanding. */
  complete(key: string): boolean {
    let found = false;
    for (const s of this.streams) if (s.inFlight.delete(key)) found = true;
    if (found) this.pump();
    return found;
  }

  /** Keys of unfinished items that satisfy `match` (e.g. an activity of any execution of an instance). */
  inFlightKeys(match: (key: string) => boolean): string[] {
    return this.streams.flatMap((s) => [...s.inFlight.keys()].filter(match));
  }

  isInFlight(key: string): boolean {
    return this.streams.some((s) => s.inFlight.has(key));
  }

  private pump(): void {
    while (this.queue.length > 0) {
      const s = this.pickStream();
      if (!s) return;
      const item = this.queue.shift()!;
      this.queuedKeys.delete(item.key);
      const request = item.build();
      if (request === undefined) continue;
      s.inFlight.set(item.key, item);
      const payload = item.kind === "orchestrator" ? { orchestratorRequest: request } : { activityRequest: request };
      try {
        s.call.write(payload);
      } catch {
        // A broken stream is detached by its close handler, which requeues the item.
      }
    }
  }

  private pickStream(): WorkerStream | undefined {
    const n = this.streams.length;
    for (let k = 0; k < n; k++) {
      const s = this.streams[(this.rr + k) % n]!;
      if (s.inFlight.size < this.maxInFlight && !s.call.cancelled) {
        this.rr = (this.rr + k + 1) % n;
        return s;
      }
    }
    return undefined;
  }
}
