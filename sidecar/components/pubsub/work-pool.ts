// Runs message handlers with at most `concurrency` at once and lets the reader
// wait for a free slot, so a slow app applies back-pressure to the broker read
// loop instead of piling messages up in memory. `drain()` waits for everything
// started so far (used by close()).
import { settleWithin } from "./settle.js";

export class WorkPool {
  private running = 0;
  private readonly waiters: (() => void)[] = [];
  private readonly inflight = new Set<Promise<void>>();

  constructor(private readonly concurrency: number) {}

  /** Resolves once a slot is free; the caller must then call `run`. */
  async slot(): Promise<void> {
    if (this.running < this.concurrency) {
      this.running++;
      return;
    }
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** Runs `task` in the slot taken by `slot()`; never rejects. */
  run(task: () => Promise<void>): void {
    const p = task()
      .catch(() => {})
      .finally(() => {
        this.inflight.delete(p);
        const next = this.waiters.shift();
        if (next) next();
        else this.running--;
      });
    this.inflight.add(p);
  }

  /** Gives back a slot taken by `slot()` without running anything. */
  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.running--;
  }

  /** Waits for the running tasks, at most CLOSE_GRACE_MS (see settle.ts). */
  async drain(): Promise<void> {
    await settleWithin(this.inflight);
  }

  /** Releases anyone blocked in `slot()` (on close); they must check for closing and call `release()`. */
  wakeAll(): void {
    for (const w of this.waiters.splice(0)) {
      this.running++;
      w();
    }
  }
}
