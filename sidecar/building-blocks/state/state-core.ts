// The state building block, once, for both transports. HTTP and gRPC adapters
// only translate requests into these calls and DaprErrors into responses.
import { DaprError, Errors } from "../../errors/catalog.js";
import type { LoadedComponent } from "../../components/hub.js";
import {
  EtagInvalidError,
  EtagMismatchError,
  isQueryable,
  isTransactional,
  type BulkGetItem,
  type Consistency,
  type Query,
  type StateOptions,
  type StateStore,
  type TransactionOperation,
} from "../../components/state/state-store.js";
import type { RuntimeContext } from "../../runtime/runtime-context.js";
import { keyPrefixer, type KeyPrefixer } from "./key-prefix.js";
import { measured } from "./state-metrics.js";
import { validateQuery } from "./query-validation.js";

export interface SaveItem {
  key: string;
  value: Buffer;
  etag?: string;
  metadata: Record<string, string>;
  options: StateOptions;
}

export interface DeleteItem {
  key: string;
  etag?: string;
  metadata: Record<string, string>;
  options: StateOptions;
}

export interface TransactionRequestOp {
  operation: string;
  request: SaveItem | DeleteItem;
}

export interface StateValue {
  data: Buffer;
  etag?: string;
  metadata?: Record<string, string>;
  contentType?: string;
}

interface ResolvedStore {
  name: string;
  store: StateStore;
  keys: KeyPrefixer;
}

export class StateCore {
  private readonly prefixers = new Map<LoadedComponent, KeyPrefixer>();

  constructor(private readonly rt: RuntimeContext) {}

  async get(storeName: string, key: string, metadata: Record<string, string> = {}, consistency?: Consistency): Promise<StateValue | undefined> {
    const s = this.resolve(storeName);
    const stored = s.keys.toStored(key);
    return this.call(s, "get", (store) => store.get({ key: stored, metadata, consistency }), (why) => Errors.stateGet(key, storeName, why));
  }

  async bulkGet(storeName: string, keys: string[], metadata: Record<string, string> = {}, parallelism = 0): Promise<BulkGetItem[]> {
    const s = this.resolve(storeName);
    const stored = keys.map((k) => s.keys.toStored(k));
    if (s.store.bulkGet) {
      const items = await this.call(s, "bulk_get", (store) => store.bulkGet!(stored.map((key) => ({ key, metadata }))), (why) => Errors.stateBulkGet(storeName, why));
      return items.map((i) => ({ ...i, key: s.keys.toUser(i.key) }));
    }
    // No native bulk: parallel single gets; one key's failure is reported on that item only.
    const limit = parallelism > 0 ? parallelism : 100;
    const out: BulkGetItem[] = new Array(keys.length);
    let next = 0;
    const worker = async () => {
      while (next < keys.length) {
        const i = next++;
        try {
          const r = await this.call(s, "get", (store) => store.get({ key: stored[i]!, metadata }), (why) => Errors.stateGet(keys[i]!, storeName, why));
          out[i] = r ? { key: keys[i]!, data: r.data, etag: r.etag, metadata: r.metadata } : { key: keys[i]! };
        } catch (err) {
          out[i] = { key: keys[i]!, error: (err as Error).message };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(limit, keys.length) }, worker));
    return out;
  }

  async save(storeName: string, items: SaveItem[]): Promise<void> {
    const s = this.resolve(storeName);
    // Validate every key before writing anything: bad input must not leave a partial write.
    const reqs = items.map((i) => ({ ...i, key: s.keys.toStored(i.key) }));
    for (const req of reqs) {
      await this.call(s, "set", (store) => store.set(req), (why) => Errors.stateSave(storeName, why), "save");
    }
  }

  async delete(storeName: string, item: DeleteItem): Promise<void> {
    const s = this.resolve(storeName);
    const req = { ...item, key: s.keys.toStored(item.key) };
    await this.call(s, "delete", (store) => store.delete(req), (why) => Errors.stateDelete(item.key, why), "delete");
  }

  async deleteBulk(storeName: string, items: DeleteItem[]): Promise<void> {
    const s = this.resolve(storeName);
    const reqs = items.map((i) => ({ ...i, key: s.keys.toStored(i.key) }));
    for (let i = 0; i < reqs.length; i++) {
      const req = reqs[i]!;
      await this.call(s, "delete", (store) => store.delete(req), (why) => Errors.stateDelete(items[i]!.key, why), "delete");
    }
  }

  async transaction(storeName: string, ops: TransactionRequestOp[], metadata: Record<string, string> = {}): Promise<void> {
    const s = this.resolve(storeName);
    const store = s.store;
    if (!isTransactional(store)) throw Errors.stateTransactionNotSupported(storeName);
    const max = store.maxOperations?.();
    if (max !== undefined && ops.length > max) throw Errors.stateTooManyTransactionalOps(ops.length, max);
    const prepared: TransactionOperation[] = ops.map((op) => {
      const key = s.keys.toStored(op.request.key);
      switch (op.operation) {
        case "upsert": {
          const r = op.request as SaveItem;
          if (!Buffer.isBuffer(r.value)) throw Errors.malformedRequest(`upsert of key ${op.request.key} has no value`);
          return { operation: "upsert", request: { ...r, key } };
        }
        case "delete":
          return { operation: "delete", request: { ...(op.request as DeleteItem), key } };
        default:
          throw Errors.stateOperationUnknown(op.operation);
      }
    });
    await this.call(s, "multi", () => store.multi(prepared, metadata), (why) => Errors.stateTransaction(why), "transaction");
  }

  async query(storeName: string, query: unknown, metadata: Record<string, string> = {}) {
    const s = this.resolve(storeName);
    const store = s.store;
    if (!isQueryable(store)) throw Errors.stateQueryNotSupported(storeName);
    const q: Query = validateQuery(query);
    const result = await this.call(s, "query", () => store.query(q, s.keys.prefix, metadata), (why) => Errors.stateQuery(storeName, why));
    return { ...result, results: result.results.map((r) => ({ ...r, key: s.keys.toUser(r.key) })) };
  }

  /** The state store `name`, with the DaprError Dapr gives when it is not there. */
  private resolve(name: string): ResolvedStore {
    const c = this.rt.hub.find("state", name);
    if (!c) {
      if (this.rt.hub.list("state").length === 0) throw Errors.stateStoresNotConfigured();
      throw Errors.stateStoreNotFound(name);
    }
    let keys = this.prefixers.get(c);
    if (!keys) {
      keys = keyPrefixer(c.properties, { appId: this.rt.appId, namespace: this.rt.namespace, storeName: name });
      this.prefixers.set(c, keys);
    }
    return { name, store: c.instance as StateStore, keys };
  }

  /**
   * Runs one component call inside the component's outbound resiliency policy,
   * records metrics, and maps store errors to Dapr's: ETag conflicts are 409,
   * invalid ETags 400, anything else the operation's own 500.
   */
  private async call<T>(
    s: ResolvedStore,
    operation: string,
    fn: (store: StateStore) => Promise<T>,
    fail: (why: string) => DaprError,
    etagFamily?: "save" | "delete" | "transaction",
  ): Promise<T> {
    const policy = this.rt.policies.componentOutbound(s.name, "state");
    try {
      // ETag conflicts are answers, not faults: retrying cannot change them.
      return await measured(this.rt.appId, s.name, operation, () =>
        policy.run(() => fn(s.store), { isRetriable: (err) => !(err instanceof EtagMismatchError || err instanceof EtagInvalidError) }),
      );
    } catch (err) {
      if (err instanceof DaprError) throw err;
      const why = err instanceof Error ? err.message : String(err);
      if (err instanceof EtagMismatchError) {
        if (etagFamily === "delete") throw Errors.stateEtagMismatchDelete(why);
        if (etagFamily === "transaction") throw new DaprError("ERR_STATE_TRANSACTION", `error while executing state transaction: ${why}`, 409, Errors.stateEtagMismatch(why).grpcCode);
        throw Errors.stateEtagMismatch(why);
      }
      if (err instanceof EtagInvalidError) {
        if (etagFamily === "delete") throw Errors.stateEtagInvalidDelete(why);
        throw Errors.stateEtagInvalid(why);
      }
      throw fail(why);
    }
  }
}
