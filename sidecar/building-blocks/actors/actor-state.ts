// Actor state in the component marked `actorStateStore: "true"`, with Dapr's
// key layout `<appId>||<actorType>||<actorId>||<key>` and TTL through
// `metadata.ttlInSeconds`. Writes are transactional when the store can.
import { boolProp } from "../../components/component.js";
import type { ComponentHub, LoadedComponent } from "../../components/hub.js";
import { isTransactional, type StateStore, type TransactionOperation } from "../../components/state/state-store.js";
import { DaprError, Errors } from "../../errors/catalog.js";

export interface ActorStateOp {
  operation: "upsert" | "delete";
  key: string;
  /** Serialized value (JSON over HTTP, the Any's bytes over gRPC). */
  value?: Buffer;
  metadata: Record<string, string>;
}

export function findActorStateStore(hub: ComponentHub): LoadedComponent | undefined {
  return hub.list("state").find((c) => boolProp(c.properties, "actorStateStore", false));
}

export class ActorState {
  constructor(private readonly hub: ComponentHub, private readonly appId: string) {}

  store(): StateStore {
    const c = findActorStateStore(this.hub);
    if (!c) throw Errors.actorRuntimeNotFound("no state store has actorStateStore set to true");
    return c.instance as StateStore;
  }

  key(type: string, id: string, key: string): string {
    return `${this.appId}||${type}||${id}||${key}`;
  }

  async get(type: string, id: string, key: string): Promise<{ data: Buffer; metadata?: Record<string, string> } | undefined> {
    const store = this.store();
    try {
      const r = await store.get({ key: this.key(type, id, key), metadata: {} });
      return r ? { data: r.data, metadata: r.metadata } : undefined;
    } catch (err) {
      throw Errors.actorStateGet((err as Error).message);
    }
  }

  /** Validates every operation before any runs, then applies them all or none (when the store is transactional). */
  async transaction(type: string, id: string, ops: ActorStateOp[]): Promise<void> {
    for (const op of ops) {
      if (op.operation !== "upsert" && op.operation !== "delete") throw Errors.stateOperationUnknown(String(op.operation));
      if (!op.key) throw Errors.stateKeyMissing();
    }
    const store = this.store();
    const txOps: TransactionOperation[] = ops.map((op) =>
      op.operation === "upsert"
        ? { operation: "upsert", request: { key: this.key(type, id, op.key), value: op.value ?? Buffer.alloc(0), metadata: op.metadata, options: {}, contentType: "application/json" } }
        : { operation: "delete", request: { key: this.key(type, id, op.key), metadata: op.metadata, options: {} } },
    );
    try {
      if (isTransactional(store)) {
        if (txOps.length) await store.multi(txOps, {});
        return;
      }
      for (const op of txOps) {
        if (op.operation === "upsert") await store.set(op.request);
        else await store.delete(op.request);
      }
    } catch (err) {
      if (err instanceof DaprError) throw err;
      throw Errors.actorStateTransaction((err as Error).message);
    }
  }
}
