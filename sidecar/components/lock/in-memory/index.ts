// lock.in-memory: locks held in this process only. Useful for a single
// sidecar and for tests; not shared between replicas.
import type { ComponentContext } from "../../component.js";
import { UnlockStatus, type LockStore, type TryLockRequest, type TryLockResponse, type UnlockRequest, type UnlockResponse } from "../lock-store.js";
import { validateTryLock, validateUnlock } from "../validate.js";

interface Held {
  owner: string;
  /** On the monotonic clock, so wall-clock jumps never extend or cut a lock. */
  expiresAt: number;
}

export class InMemoryLockStore implements LockStore {
  private readonly locks = new Map<string, Held>();

  constructor(private readonly ctx: ComponentContext) {}

  async init(): Promise<void> {}

  features(): string[] {
    return [];
  }

  private live(resourceId: string): Held | undefined {
    const h = this.locks.get(resourceId);
    if (h && h.expiresAt <= performance.now()) {
      this.locks.delete(resourceId);
      return undefined;
    }
    return h;
  }

  async tryLock(req: TryLockRequest): Promise<TryLockResponse> {
    validateTryLock(req, this.ctx.name);
    if (this.live(req.resourceId)) return { success: false };
    this.locks.set(req.resourceId, { owner: req.lockOwner, expiresAt: performance.now() + req.expiryInSeconds * 1000 });
    return { success: true };
  }

  async unlock(req: UnlockRequest): Promise<UnlockResponse> {
    validateUnlock(req, this.ctx.name);
    const h = this.live(req.resourceId);
    if (!h) return { status: UnlockStatus.LOCK_DOES_NOT_EXIST };
    if (h.owner !== req.lockOwner) return { status: UnlockStatus.LOCK_BELONGS_TO_OTHERS };
    this.locks.delete(req.resourceId);
    return { status: UnlockStatus.SUCCESS };
  }

  async close(): Promise<void> {
    this.locks.clear();
  }
}
