// What both PostgreSQL state store versions do the same way around their own
// SQL: the connection (postgresql-connection.ts) from init to close, reads of
// live rows by key, writes one by one or in one transaction, deletes with or
// without an ETag, and the expiry sweep. A version brings its table layout
// (TableLayout) and its upsert (doSet): the parts where v1 and v2 differ.
import type pg from "pg";
import type { ComponentContext } from "../../component.js";
import {
  EtagMismatchError,
  type BulkGetItem,
  type DeleteRequest,
  type GetRequest,
  type GetResponse,
  type SetRequest,
  type TransactionalStateStore,
  type TransactionOperation,
  type StateFeature,
} from "../state-store.js";
import { cleanupExpired } from "./postgresql-gc.js";
import { inTransaction, openPostgres, type PostgresConnection } from "./postgresql-connection.js";
import type { PostgresMetadata } from "./postgresql-metadata.js";
import type { Migration } from "./postgresql-schema.js";

export type Queryable = Pick<pg.Pool, "query"> | pg.PoolClient;

export interface TableLayout<Row extends { key: string }> {
  migrations: { name: string; steps: Migration[] };
  /** The SELECT list that reads a Row. */
  columns: string;
  /** SQL condition true for rows that have not expired. */
  live: string;
  /** SQL condition that a row's ETag equals parameter $n. */
  etagMatches(n: number): string;
  /** A client's ETag as the parameter etagMatches compares; throws EtagInvalidError when malformed. */
  parseEtag(etag: string): string;
  /** Deletes expired rows; run by whichever sidecar claims the sweep under `claimKey` (postgresql-gc.ts). */
  sweep: { claimKey: string; deleteExpiredSql: string };
  /** May throw when a stored value cannot be decoded. */
  toResponse(row: Row): GetResponse;
}

export abstract class PostgresTableStore<Row extends { key: string }> implements TransactionalStateStore {
  private connection: PostgresConnection | undefined;

  protected constructor(
    protected readonly ctx: ComponentContext,
    protected readonly md: PostgresMetadata,
    private readonly layout: TableLayout<Row>,
  ) {}

  abstract features(): StateFeature[];

  /** Writes one row through `db` (the pool, or a transaction's client). */
  protected abstract doSet(db: Queryable, req: SetRequest): Promise<void>;

  async init(): Promise<void> {
    this.connection = await openPostgres(this.ctx, this.md, this.layout.migrations, () => this.cleanupExpired());
  }

  async close(): Promise<void> {
    const c = this.connection;
    this.connection = undefined;
    await c?.close();
  }

  async get(req: GetRequest): Promise<GetResponse | undefined> {
    const res = await this.open().query<Row>(`SELECT ${this.layout.columns} FROM ${this.md.tableName} WHERE key = $1 AND ${this.layout.live}`, [req.key]);
    return res.rows[0] ? this.layout.toResponse(res.rows[0]) : undefined;
  }

  async bulkGet(reqs: GetRequest[]): Promise<BulkGetItem[]> {
    if (reqs.length === 0) return [];
    const res = await this.open().query<Row>(
      `SELECT ${this.layout.columns} FROM ${this.md.tableName} WHERE key = ANY($1::text[]) AND ${this.layout.live}`,
      [reqs.map((r) => r.key)],
    );
    const byKey = new Map(res.rows.map((r) => [r.key, r]));
    return reqs.map((r) => {
      const row = byKey.get(r.key);
      if (!row) return { key: r.key };
      // One value that cannot be decoded fails its own item, not the whole bulk read.
      try {
        return { key: r.key, ...this.layout.toResponse(row) };
      } catch (err) {
        return { key: r.key, error: (err as Error).message };
      }
    });
  }

  async set(req: SetRequest): Promise<void> {
    await this.doSet(this.open(), req);
  }

  async delete(req: DeleteRequest): Promise<void> {
    await this.doDelete(this.open(), req);
  }

  async multi(ops: TransactionOperation[]): Promise<void> {
    if (ops.length === 0) return;
    await inTransaction(this.open(), async (client) => {
      for (const op of ops) {
        if (op.operation === "upsert") await this.doSet(client, op.request);
        else await this.doDelete(client, op.request);
      }
    });
  }

  /** Deletes expired rows unless another sidecar did so within the interval (Dapr's GC protocol). */
  async cleanupExpired(): Promise<number> {
    const pool = this.connection?.pool;
    if (!pool) return 0;
    try {
      return await cleanupExpired(pool, { metadataTableName: this.md.metadataTableName, intervalMs: this.md.cleanupIntervalMs, ...this.layout.sweep });
    } catch (err) {
      this.ctx.logger.warn("failed to remove expired state rows", { component: this.ctx.name, error: (err as Error).message });
      return 0;
    }
  }

  protected open(): pg.Pool {
    const pool = this.connection?.pool;
    if (!pool) throw new Error(`state store ${this.ctx.name} is not initialized or already closed`);
    return pool;
  }

  private async doDelete(db: Queryable, req: DeleteRequest): Promise<void> {
    const t = this.md.tableName;
    if (req.etag === undefined || req.etag === "") {
      await db.query(`DELETE FROM ${t} WHERE key = $1`, [req.key]);
      return;
    }
    const res = await db.query(`DELETE FROM ${t} WHERE key = $1 AND ${this.layout.etagMatches(2)}`, [req.key, this.layout.parseEtag(req.etag)]);
    if (res.rowCount !== 1) throw new EtagMismatchError(`etag mismatch for key ${req.key}`);
  }
}
