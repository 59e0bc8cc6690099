// Keeps the active-instance index current. Adds and removes are coalesced per
// partition so a burst of 1,000 starts costs a few writes, not 1,000 contended
// ones; ETag conflicts with other sidecars are retried.
import type { Logger } from "../../log/logger.js";
import { WorkflowKeys } from "./workflow-keys.js";
import { ConcurrentUpdateError, type WorkflowStore } from "./workflow-store.js";

interface Pending {
  add: Set<string>;
  remove: Set<string>;
  waiters: (() => void)[];
  failers: ((e: Error) => void)[];
  running: boolean;
}

export class IndexWriter {
  private readonly partitions = new Map<number, Pending>();

  constructor(private readonly store: WorkflowStore, private readonly log: Logger) {}

  /** Resolves once the id is durably listed as active. */
  add(instanceId: string): Promise<void> {
    return this.enqueue(instanceId, true);
  }

  remove(instanceId: string): Promise<void> {
    return this.enqueue(instanceId, false);
  }

  private enqueue(id: string, adding: boolean): Promise<void> {
    const p = WorkflowKeys.partitionOf(id);
    let pend = this.partitions.get(p);
    if (!pend) {
      pend = { add: new Set(), remove: new Set(), waiters: [], failers: [], running: false };
      this.partitions.set(p, pend);
    }
    if (adding) { pend.add.add(id); pend.remove.delete(id); } else { pend.remove.add(id); pend.add.delete(id); }
    const done = new Promise<void>((resolve, reject) => { pend!.waiters.push(resolve); pend!.failers.push(reject); });
    if (!pend.running) void this.flush(p, pend);
    return done;
  }

  private async flush(p: number, pend: Pending): Promise<void> {
    pend.running = true;
    // Let the current burst accumulate before the first write.
    await new Promise((r) => setImmediate(r));
    while (pend.add.size > 0 || pend.remove.size > 0) {
      const add = [...pend.add], remove = [...pend.remove];
      const waiters = pend.waiters.splice(0), failers = pend.failers.splice(0);
      pend.add.clear(); pend.remove.clear();
      let lastErr: Error | undefined;
      for (let attempt = 0; attempt < 50; attempt++) {
        try {
          await this.store.updateIndex(p, add, remove);
          lastErr = undefined;
          break;
        } catch (err) {
          lastErr = err as Error;
          if (!(err instanceof ConcurrentUpdateError)) await new Promise((r) => setTimeout(r, 100 * Math.min(attempt + 1, 10)));
          else await new Promise((r) => setTimeout(r, Math.random() * 20));
        }
      }
      if (lastErr) {
        this.log.error("updating the workflow index failed", { partition: p, error: lastErr.message });
        for (const f of failers) f(lastErr);
      } else {
        for (const w of waiters) w();
      }
    }
    pend.running = false;
  }
}
