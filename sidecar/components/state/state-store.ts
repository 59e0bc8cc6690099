// The state store contract: a small base (get, set, delete) and optional
// capabilities (transactions, query) detected at run time and announced by
// `features()`. Keys reaching a store are already prefixed by the runtime
// (`appid||key`); stores never prefix on their own.
import type { Component } from "../component.js";

/** Capabilities a store announces; shown in the metadata API as Dapr spells them. */
export type StateFeature = "ETAG" | "TRANSACTIONAL" | "QUERY_API" | "TTL" | "ACTOR" | "DELETE_WITH_PREFIX" | "PARTITION_KEY";

export type Concurrency = "first-write" | "last-write";
export type Consistency = "eventual" | "strong";

export interface StateOptions {
  concurrency?: Concurrency;
  consistency?: Consistency;
}

export interface GetRequest {
  key: string;
  metadata: Record<string, string>;
  consistency?: Consistency;
}

export interface GetResponse {
  data: Buffer;
  etag?: string;
  metadata?: Record<string, string>;
  contentType?: string;
}

export interface SetRequest {
  key: string;
  value: Buffer;
  etag?: string;
  metadata: Record<string, string>;
  options: StateOptions;
  contentType?: string;
}

export interface DeleteRequest {
  key: string;
  etag?: string;
  metadata: Record<string, string>;
  options: StateOptions;
}

export interface BulkGetItem {
  key: string;
  data?: Buffer;
  etag?: string;
  metadata?: Record<string, string>;
  error?: string;
}

export type TransactionOperation =
  | { operation: "upsert"; request: SetRequest }
  | { operation: "delete"; request: DeleteRequest };

export interface StateStore extends Component {
  features(): StateFeature[];
  /** Resolves undefined when the key does not exist (or has expired). */
  get(req: GetRequest): Promise<GetResponse | undefined>;
  set(req: SetRequest): Promise<void>;
  delete(req: DeleteRequest): Promise<void>;
  /** Optional native bulk get; the runtime falls back to parallel `get` calls. */
  bulkGet?(reqs: GetRequest[]): Promise<BulkGetItem[]>;
}

export interface TransactionalStateStore extends StateStore {
  /** All or nothing: either every operation applies or none does. */
  multi(ops: TransactionOperation[], metadata: Record<string, string>): Promise<void>;
  /** The most operations one transaction may hold; undefined means no limit. */
  maxOperations?(): number | undefined;
}

export function isTransactional(s: StateStore): s is TransactionalStateStore {
  return typeof (s as Partial<TransactionalStateStore>).multi === "function";
}

// ---- query API (v1.0-alpha1) ----
export type QueryFilter =
  | { EQ: Record<string, unknown> }
  | { NEQ: Record<string, unknown> }
  | { GT: Record<string, unknown> }
  | { GTE: Record<string, unknown> }
  | { LT: Record<string, unknown> }
  | { LTE: Record<string, unknown> }
  | { IN: Record<string, unknown[]> }
  | { AND: QueryFilter[] }
  | { OR: QueryFilter[] };

export interface Query {
  filter?: QueryFilter;
  sort?: { key: string; order?: "ASC" | "DESC" }[];
  page?: { limit?: number; token?: string };
}

export interface QueryResult {
  results: { key: string; data: Buffer; etag?: string; error?: string }[];
  token?: string;
  metadata?: Record<string, string>;
}

export interface QueryableStateStore extends StateStore {
  /** `keyPrefix` limits results to this app's keys (the runtime strips it from returned keys). */
  query(q: Query, keyPrefix: string, metadata: Record<string, string>): Promise<QueryResult>;
}

export function isQueryable(s: StateStore): s is QueryableStateStore {
  return typeof (s as Partial<QueryableStateStore>).query === "function";
}

/** Thrown by stores on an ETag conflict; the runtime maps it to 409. */
export class EtagMismatchError extends Error {
  constructor(message = "etag mismatch") {
    super(message);
    this.name = "EtagMismatchError";
  }
}

/** Thrown by stores for an ETag that cannot be one of theirs; the runtime maps it to 400. */
export class EtagInvalidError extends Error {
  constructor(message = "invalid etag") {
    super(message);
    this.name = "EtagInvalidError";
  }
}

/** Reads `ttlInSeconds` from request metadata: undefined when absent, -1 for "never expire". */
export function ttlFromMetadata(metadata: Record<string, string>): number | undefined {
  const raw = metadata["ttlInSeconds"];
  if (raw === undefined || raw === "") return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < -1) throw new Error(`ttlInSeconds must be an integer >= -1, got '${raw}'`);
  return n;
}
