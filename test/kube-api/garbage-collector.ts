// Owner-reference garbage collection. When an owner goes, its dependents go
// too (in the background, like the real controller), unless the deletion
// asked to orphan them, in which case only the owner reference is removed.
import { resourceKey, type KubeApiCore } from "./api-core.js";
import type { KubeObject } from "./object-store.js";
import type { ResourceType } from "./resource-types.js";

export class GarbageCollector {
  private pending = Promise.resolve();

  constructor(private readonly core: KubeApiCore) {
    core.onDelete((deleted, _type, policy) => this.ownerDeleted(deleted, policy));
  }

  /** Resolves once every collection queued so far has run (for tests). */
  idle(): Promise<void> {
    return this.pending;
  }

  private ownerDeleted(owner: KubeObject, policy: string | undefined): void {
    const uid = owner.metadata.uid;
    if (!uid) return;
    this.pending = this.pending.then(() => new Promise<void>((resolve) => setImmediate(resolve))).then(() => this.collect(uid, policy)).catch(() => {});
  }

  private dependents(uid: string): { type: ResourceType; obj: KubeObject }[] {
    const out: { type: ResourceType; obj: KubeObject }[] = [];
    for (const type of this.core.registry.all()) {
      for (const obj of this.core.store.list(resourceKey(type), undefined, (o) => (o.metadata.ownerReferences ?? []).some((r) => r.uid === uid))) {
        out.push({ type, obj });
      }
    }
    return out;
  }

  private ownerExists(uid: string): boolean {
    for (const type of this.core.registry.all()) {
      for (const o of this.core.store.scan(resourceKey(type))) if (o.metadata.uid === uid) return true;
    }
    return false;
  }

  private async collect(ownerUid: string, policy: string | undefined): Promise<void> {
    for (const { type, obj } of this.dependents(ownerUid)) {
      const target = { type, version: type.versions[0]!, namespace: obj.metadata.namespace ?? "", name: obj.metadata.name };
      try {
        const refs = obj.metadata.ownerReferences ?? [];
        const remaining = refs.filter((r) => r.uid !== ownerUid);
        if (policy === "Orphan" || remaining.some((r) => this.ownerExists(r.uid))) {
          await this.core.patch(target, "json", JSON.stringify([
            { op: "test", path: "/metadata/uid", value: obj.metadata.uid },
            { op: "replace", path: "/metadata/ownerReferences", value: remaining },
          ]));
        } else {
          // Dependents of dependents go through the same hook, recursively.
          await this.core.delete(target, { preconditionUid: obj.metadata.uid, propagationPolicy: "Background" });
        }
      } catch {
        // Already gone or changed under us: the next owner deletion pass will see the current state.
      }
    }
  }
}
