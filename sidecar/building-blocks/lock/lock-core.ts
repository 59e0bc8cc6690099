// The distributed lock API once, for both transports: validation in Dapr's
// order, the key layout daprd hands to stores, and the store call inside the
// component's outbound resiliency policy.
import { DaprError, Errors } from "../../errors/catalog.js";
import type { LoadedComponent } from "../../components/hub.js";
import { lockKey, lockKeyPrefixFromProperties, type LockKeyPrefix, type LockStore, type UnlockStatus } from "../../components/lock/index.js";
import type { RuntimeContext } from "../../runtime/runtime-context.js";

export interface TryLockInput {
  storeName: string;
  resourceId: string;
  lockOwner: string;
  expiryInSeconds: number;
}

export interface UnlockInput {
  storeName: string;
  resourceId: string;
  lockOwner: string;
}

export class LockCore {
  // Parsed once per loaded component: the prefix strategy never changes for an instance.
  private readonly prefixes = new WeakMap<LoadedComponent, LockKeyPrefix>();

  constructor(private readonly rt: RuntimeContext) {}

  async tryLock(req: TryLockInput): Promise<{ success: boolean }> {
    // Dapr checks the expiry before anything else, even before the store exists.
    if (!Number.isInteger(req.expiryInSeconds) || req.expiryInSeconds <= 0) throw Errors.lockExpiryNotPositive(req.storeName);
    const c = this.resolve(req);
    const key = this.key(c, req.resourceId, Errors.tryLockFailed);
    const store = c.instance as LockStore;
    try {
      const res = await this.rt.policies
        .componentOutbound(req.storeName, "lock")
        .run(() => store.tryLock({ resourceId: key, lockOwner: req.lockOwner, expiryInSeconds: req.expiryInSeconds }));
      return { success: res.success };
    } catch (err) {
      throw err instanceof DaprError ? err : Errors.tryLockFailed(messageOf(err));
    }
  }

  async unlock(req: UnlockInput): Promise<{ status: UnlockStatus }> {
    const c = this.resolve(req);
    const key = this.key(c, req.resourceId, Errors.unlockFailed);
    const store = c.instance as LockStore;
    try {
      const res = await this.rt.policies.componentOutbound(req.storeName, "lock").run(() => store.unlock({ resourceId: key, lockOwner: req.lockOwner }));
      return { status: res.status };
    } catch (err) {
      throw err instanceof DaprError ? err : Errors.unlockFailed(messageOf(err));
    }
  }

  /** Dapr's order: no stores at all, empty resource id, empty owner, unknown store. */
  private resolve(req: { storeName: string; resourceId: string; lockOwner: string }): LoadedComponent {
    const hub = this.rt.hub;
    // Looked up first (the hot path), but reported in Dapr's order.
    const c = hub.find("lock", req.storeName);
    if (!c && hub.list("lock").length === 0) throw Errors.lockNotConfigured(req.storeName);
    if (!req.resourceId) throw Errors.lockResourceIdEmpty(req.storeName);
    if (!req.lockOwner) throw Errors.lockOwnerEmpty(req.storeName);
    if (!c) throw Errors.lockNotFound(req.storeName);
    return c;
  }

  private key(c: LoadedComponent, resourceId: string, fail: (why: string) => DaprError): string {
    try {
      let prefix = this.prefixes.get(c);
      if (!prefix) {
        prefix = lockKeyPrefixFromProperties(c.properties);
        this.prefixes.set(c, prefix);
      }
      return lockKey(resourceId, prefix, c.name, this.rt.appId);
    } catch (err) {
      throw fail(messageOf(err));
    }
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
