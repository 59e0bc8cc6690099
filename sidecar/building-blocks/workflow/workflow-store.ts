// Persistence of workflow instances in the actor state store: an instance is
// its `metadata` record plus append-only `history-NNNNNN` entries, written in
// one transaction per change and guarded by the metadata record's ETag, so two
// sidecars can never both commit progress from the same starting point.
import { EtagMismatchError, isTransactional, type TransactionalStateStore, type TransactionOperation } from "../../components/state/state-store.js";
import type { HistoryEvent } from "./history.js";
import type { InstanceMetadata, InstanceState } from "./instance-state.js";
import { INDEX_PARTITIONS, WorkflowKeys } from "./workflow-keys.js";

/** Another writer changed the instance since it was read; reload and retry. */
export class ConcurrentUpdateError extends Error {
  constructor(instanceId: string) {
    super(`workflow instance ${instanceId} was changed concurrently`);
    this.name = "ConcurrentUpdateError";
  }
}

const json = (v: unknown) => Buffer.from(JSON.stringify(v));
const noMeta: Record<string, string> = {};

export class WorkflowStore {
  readonly keys: WorkflowKeys;
  private readonly store: TransactionalStateStore;

  constructor(store: unknown, appId: string, namespace: string, readonly storeName: string, private readonly storeType = "") {
    if (!isTransactional(store as never)) throw new Error(`the actor state store ${storeName} does not support transactions, which workflows need`);
    this.store = store as TransactionalStateStore;
    this.keys = new WorkflowKeys(appId, namespace);
  }

  /**
   * The ETag the metadata record has after a successful save, when the store's
   * ETags are predictable: Dapr's Redis store counts versions (a new key is 1,
   * each guarded write adds 1). A wrong guess is harmless: it can only match
   * when nobody else wrote in between, and otherwise fails as a conflict.
   * Undefined means "read it back".
   */
  etagAfterSave(previousEtag: string | undefined, created: boolean): string | undefined {
    if (this.storeType !== "state.redis") return undefined;
    if (created) return "1";
    if (previousEtag === undefined || !/^\d+$/.test(previousEtag)) return undefined;
    return String(Number(previousEtag) + 1);
  }

  /** The metadata record and its ETag, or undefined when the instance does not exist. */
  async loadMeta(instanceId: string): Promise<{ meta: InstanceMetadata; etag?: string } | undefined> {
    const r = await this.store.get({ key: this.keys.metadata(instanceId), metadata: noMeta, consistency: "strong" });
    if (!r || r.data.length === 0) return undefined;
    return { meta: JSON.parse(r.data.toString("utf8")) as InstanceMetadata, etag: r.etag };
  }

  async load(instanceId: string): Promise<InstanceState | undefined> {
    const m = await this.loadMeta(instanceId);
    if (!m) return undefined;
    const history = await this.loadHistory(instanceId, m.meta.historyLength);
    return { meta: m.meta, history, etag: m.etag };
  }

  private async loadHistory(instanceId: string, length: number): Promise<HistoryEvent[]> {
    if (length === 0) return [];
    const keys = Array.from({ length }, (_, i) => this.keys.history(instanceId, i));
    const reqs = keys.map((key) => ({ key, metadata: noMeta }));
    const items = this.store.bulkGet
      ? await this.store.bulkGet(reqs)
      : await Promise.all(reqs.map(async (r) => ({ key: r.key, data: (await this.store.get(r))?.data })));
    const byKey = new Map(items.map((i) => [i.key, i.data]));
    return keys.map((k, i) => {
      const data = byKey.get(k);
      if (!data || data.length === 0) throw new Error(`workflow ${instanceId}: history entry ${i} is missing from the store`);
      return JSON.parse(data.toString("utf8")) as HistoryEvent;
    });
  }

  /**
   * Writes `next` in one transaction: the metadata (ETag-guarded against
   * `expectedEtag`, or create-only when `create`), history entries from
   * `firstNewIndex` on, and deletion of entries beyond a shortened history.
   */
  async save(next: InstanceState, opts: { expectedEtag?: string; create?: boolean; firstNewIndex: number; previousLength: number }): Promise<void> {
    const id = next.meta.instanceId;
    const ops: TransactionOperation[] = [];
    ops.push({
      operation: "upsert",
      request: {
        key: this.keys.metadata(id), value: json(next.meta), etag: opts.create ? undefined : opts.expectedEtag, metadata: noMeta,
        options: { concurrency: "first-write", consistency: "strong" },
      },
    });
    for (let i = opts.firstNewIndex; i < next.history.length; i++) {
      ops.push({ operation: "upsert", request: { key: this.keys.history(id, i), value: json(next.history[i]), metadata: noMeta, options: {} } });
    }
    for (let i = next.history.length; i < opts.previousLength; i++) {
      ops.push({ operation: "delete", request: { key: this.keys.history(id, i), metadata: noMeta, options: {} } });
    }
    try {
      await this.multi(ops);
    } catch (err) {
      if (err instanceof EtagMismatchError) throw new ConcurrentUpdateError(id);
      throw err;
    }
  }

  /** Deletes every key of an instance (purge). */
  async delete(instanceId: string, historyLength: number, etag?: string): Promise<void> {
    const ops: TransactionOperation[] = [
      { operation: "delete", request: { key: this.keys.metadata(instanceId), etag, metadata: noMeta, options: { concurrency: "first-write" } } },
    ];
    for (let i = 0; i < historyLength; i++) ops.push({ operation: "delete", request: { key: this.keys.history(instanceId, i), metadata: noMeta, options: {} } });
    try {
      await this.multi(ops);
    } catch (err) {
      if (err instanceof EtagMismatchError) throw new ConcurrentUpdateError(instanceId);
      throw err;
    }
  }

  /** Splits transactions that exceed what the store allows (long histories). The metadata op stays in the last chunk. */
  private async multi(ops: TransactionOperation[]): Promise<void> {
    const max = this.store.maxOperations?.() ?? Infinity;
    if (ops.length <= max) return this.store.multi(ops, noMeta);
    const [first, ...rest] = ops;
    for (let i = 0; i < rest.length; i += max - 1) {
      const chunk = rest.slice(i, i + max - 1);
      if (i + max - 1 >= rest.length) chunk.push(first!);
      await this.store.multi(chunk, noMeta);
    }
  }

  // ---- active-instance index ----
  async readIndex(p: number): Promise<{ ids: string[]; etag?: string }> {
    const r = await this.store.get({ key: this.keys.indexPartition(p), metadata: noMeta, consistency: "strong" });
    if (!r || r.data.length === 0) return { ids: [] };
    return { ids: JSON.parse(r.data.toString("utf8")) as string[], etag: r.etag };
  }

  /** Applies adds and removes to one partition; throws ConcurrentUpdateError when another writer won. */
  async updateIndex(p: number, add: Iterable<string>, remove: Iterable<string>): Promise<void> {
    const cur = await this.readIndex(p);
    const set = new Set(cur.ids);
    for (const id of add) set.add(id);
    for (const id of remove) set.delete(id);
    try {
      await this.store.set({
        key: this.keys.indexPartition(p), value: json([...set]), etag: cur.etag, metadata: noMeta,
        options: { concurrency: "first-write", consistency: "strong" },
      });
    } catch (err) {
      if (err instanceof EtagMismatchError) throw new ConcurrentUpdateError(`index partition ${p}`);
      throw err;
    }
  }

  async allActiveIds(): Promise<string[]> {
    const parts = await Promise.all(Array.from({ length: INDEX_PARTITIONS }, (_, p) => this.readIndex(p)));
    return parts.flatMap((x) => x.ids);
  }

  // ---- host heartbeats (ownership leases) ----
  async heartbeat(hostId: string, untilMs: number): Promise<void> {
    await this.store.set({ key: this.keys.heartbeat(hostId), value: json({ hostId, until: untilMs }), metadata: noMeta, options: {} });
  }

  async heartbeatUntil(hostId: string): Promise<number> {
    const r = await this.store.get({ key: this.keys.heartbeat(hostId), metadata: noMeta });
    if (!r || r.data.length === 0) return 0;
    return Number((JSON.parse(r.data.toString("utf8")) as { until: number }).until) || 0;
  }
}
