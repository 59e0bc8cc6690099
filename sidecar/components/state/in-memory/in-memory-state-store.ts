// Dapr's `state.in-memory`: a process-local map with ETags (random UUIDs),
// first-write, TTLs and all-or-nothing transactions. Like Dapr's, it offers no
// query API and shares nothing between sidecars.
import { randomUUID } from "node:crypto";
import type { ComponentContext } from "../../component.js";
import {
  EtagMismatchError,
  type DeleteRequest,
  type GetRequest,
  type GetResponse,
  type SetRequest,
  type StateFeature,
  type TransactionalStateStore,
  type TransactionOperation,
} from "../state-store.js";
import { effectiveTtl, ttlExpireTimeMetadata } from "../common/state-metadata.js";

interface Item {
  data: Buffer;
  etag: string;
  expireAt?: number;
}

const CLEANUP_INTERVAL_MS = 1000;

export class InMemoryStateStore implements TransactionalStateStore {
  private readonly items = new Map<string, Item>();
  private cleanupTimer: NodeJS.Timeout | undefined;

  constructor(private readonly ctx?: ComponentContext) {}

  async init(): Promise<void> {
    // Expired items are already invisible to reads; the sweep only frees memory.
    this.cleanupTimer = setInterval(() => this.sweepExpired(), CLEANUP_INTERVAL_MS);
    this.cleanupTimer.unref();
  }

  async close(): Promise<void> {
    if (this.cleanupTimer) clearInterval(this.cleanupTimer);
    this.cleanupTimer = undefined;
    this.items.clear();
  }

  features(): StateFeature[] {
    return ["ETAG", "TRANSACTIONAL", "TTL"];
  }

  async get(req: GetRequest): Promise<GetResponse | undefined> {
    const item = this.live(req.key);
    if (!item) return undefined;
    const metadata = ttlExpireTimeMetadata(item.expireAt);
    return { data: Buffer.from(item.data), etag: item.etag, ...(metadata ? { metadata } : {}) };
  }

  async set(req: SetRequest): Promise<void> {
    const ttl = effectiveTtl(req.metadata);
    this.checkEtag(req.key, req.etag, req.options.concurrency);
    this.write(req, ttl);
  }

  async delete(req: DeleteRequest): Promise<void> {
    this.checkEtag(req.key, req.etag, req.options.concurrency);
    this.items.delete(req.key);
  }

  async multi(ops: TransactionOperation[]): Promise<void> {
    // Validate everything first against a scratch view, so that a failing
    // operation leaves the map untouched. JS runs this synchronously, so no
    // other call can interleave between validation and apply.
    const ttls = ops.map((op) => (op.operation === "upsert" ? effectiveTtl(op.request.metadata) : undefined));
    const scratch = new Map<string, Item | undefined>();
    for (const op of ops) {
      const current = scratch.has(op.request.key) ? scratch.get(op.request.key) : this.live(op.request.key);
      checkEtagAgainst(op.request.key, current, op.request.etag, op.request.options.concurrency);
      scratch.set(op.request.key, op.operation === "upsert" ? { data: Buffer.alloc(0), etag: randomUUID() } : undefined);
    }
    ops.forEach((op, i) => {
      if (op.operation === "upsert") this.write(op.request, ttls[i]);
      else this.items.delete(op.request.key);
    });
  }

  private write(req: SetRequest, ttl: number | undefined): void {
    const item: Item = { data: Buffer.from(req.value), etag: randomUUID() };
    if (ttl !== undefined && ttl > 0) item.expireAt = Date.now() + ttl * 1000;
    this.items.set(req.key, item);
  }

  private checkEtag(key: string, etag: string | undefined, concurrency: string | undefined): void {
    checkEtagAgainst(key, this.live(key), etag, concurrency);
  }

  /** The item if it exists and has not expired; expired items are dropped on sight. */
  private live(key: string): Item | undefined {
    const item = this.items.get(key);
    if (item?.expireAt !== undefined && item.expireAt <= Date.now()) {
      this.items.delete(key);
      return undefined;
    }
    return item;
  }

  private sweepExpired(): void {
    const now = Date.now();
    for (const [key, item] of this.items) if (item.expireAt !== undefined && item.expireAt <= now) this.items.delete(key);
  }
}

/** Dapr's in-memory rules: an ETag must match an existing item; first-write without one needs a missing key. */
function checkEtagAgainst(key: string, current: Item | undefined, etag: string | undefined, concurrency: string | undefined): void {
  if (etag !== undefined && etag !== "") {
    if (!current) throw new EtagMismatchError(`etag mismatch for key ${key}: the key does not exist or has expired`);
    if (current.etag !== etag) throw new EtagMismatchError(`etag mismatch for key ${key}`);
    return;
  }
  if (concurrency === "first-write" && current) {
    throw new EtagMismatchError(`key ${key} already exists and no etag was given (first-write)`);
  }
}
