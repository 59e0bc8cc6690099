// Turn-based concurrency for ONE actor: one call at a time, the rest wait in
// arrival order. With reentrancy, a call carrying the reentrancy id of the
// call that holds the lock runs at once (it is that call's own nested call),
// up to a maximum stack depth. One lock per activation, never a global one.
import { Errors } from "../../errors/catalog.js";

interface Waiter {
  chainId: string | undefined;
  resolve: (release: () => void) => void;
}

export class ActorLock {
  private held = false;
  private chainId: string | undefined;
  private depth = 0;
  private readonly queue: Waiter[] = [];
  private idleWaiters: (() => void)[] = [];

  /** Calls holding or waiting for the lock. */
  get pending(): number {
    return (this.held ? this.depth : 0) + this.queue.length;
  }

  get busy(): boolean {
    return this.held || this.queue.length > 0;
  }

  /**
   * Resolves a release function once the caller may run. `chainId` is the
   * Dapr-Reentrancy-Id (only passed when reentrancy is enabled for the type).
   */
  acquire(chainId?: string, maxStackDepth = 32): Promise<() => void> {
    if (!this.held) {
      this.take(chainId);
      return Promise.resolve(this.releaser());
    }
    if (chainId !== undefined && chainId === this.chainId) {
      if (this.depth >= maxStackDepth) return Promise.reject(Errors.actorStackDepth(maxStackDepth));
      this.depth++;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve) => this.queue.push({ chainId, resolve }));
  }

  /** Resolves when nobody holds or waits for the lock (used to drain before deactivation). */
  idle(): Promise<void> {
    if (!this.busy) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private take(chainId: string | undefined): void {
    this.held = true;
    this.chainId = chainId;
    this.depth = 1;
  }

  private releaser(): () => void {
    let done = false;
    return () => {
      if (done) return; // releasing twice must never free someone else's turn
      done = true;
      this.depth--;
      if (this.depth > 0) return;
      const next = this.queue.shift();
      if (next) {
        this.take(next.chainId);
        next.resolve(this.releaser());
        return;
      }
      this.held = false;
      this.chainId = undefined;
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    };
  }
}
