// Dapr's `state.postgresql` (v1) on node-postgres: the jsonb layout of
// postgresql-schema.ts, the row's `xmin` as ETag (a 32-bit number), TTLs in
// `expiredate`, real SQL transactions, and the query API over the jsonb value.
import pg from "pg";
import type { ComponentContext } from "../../component.js";
import {
  EtagInvalidError,
  EtagMismatchError,
  type BulkGetItem,
  type DeleteRequest,
  type GetRequest,
  type GetResponse,
  type Query,
  type QueryableStateStore,
  type QueryResult,
  type SetRequest,
  type StateFeature,
  type TransactionalStateStore,
  type TransactionOperation,
} from "../state-store.js";
import { effectiveTtl, ttlExpireTimeMetadata } from "../common/state-metadata.js";
import { decodeFromJsonb, encodeForJsonb } from "../common/value-encoding.js";
import { parsePostgresMetadata, type PostgresMetadata } from "./postgresql-metadata.js";
import { buildQuery } from "./postgresql-query.js";
import { cleanupExpired } from "./postgresql-gc.js";
import { inTransaction, openPostgres, type PostgresConnection } from "./postgresql-connection.js";
import { v1Migrations } from "./postgresql-schema.js";

type Queryable = Pick<pg.Pool, "query"> | pg.PoolClient;

interface Row {
  key: string;
  value: string;
  isbinary: boolean;
  etag: string;
  expiredate: Date | null;
}

const LIVE = `(expiredate IS NULL OR expiredate >= CURRENT_TIMESTAMP)`;
// $n is the TTL in seconds or NULL; NULL arithmetic yields a NULL expiredate.
const expiry = (n: number) => `CURRENT_TIMESTAMP + ($${n}::int * interval '1 second')`;

export class PostgresStateStore implements TransactionalStateStore, QueryableStateStore {
  private readonly md: PostgresMetadata;
  private connection: PostgresConnection | undefined;

  constructor(private readonly ctx: ComponentContext) {
    this.md = parsePostgresMetadata(ctx);
  }

  async init(): Promise<void> {
    this.connection = await openPostgres(this.ctx, this.md, { name: "migrations", steps: v1Migrations(this.md.tableName) }, () => this.cleanupExpired());
  }

  async close(): Promise<void> {
    const c = this.connection;
    this.connection = undefined;
    await c?.close();
  }

  features(): StateFeature[] {
    return ["ETAG", "TRANSACTIONAL", "QUERY_API", "TTL"];
  }

  async get(req: GetRequest): Promise<GetResponse | undefined> {
    const res = await this.open().query<Row>(
      `SELECT key, value::text AS value, isbinary, xmin::text AS etag, expiredate FROM ${this.md.tableName} WHERE key = $1 AND ${LIVE}`,
      [req.key],
    );
    return res.rows[0] ? toResponse(res.rows[0]) : undefined;
  }

  async bulkGet(reqs: GetRequest[]): Promise<BulkGetItem[]> {
    if (reqs.length === 0) return [];
    const res = await this.open().query<Row>(
      `SELECT key, value::text AS value, isbinary, xmin::text AS etag, expiredate FROM ${this.md.tableName} WHERE key = ANY($1::text[]) AND ${LIVE}`,
      [reqs.map((r) => r.key)],
    );
    const byKey = new Map(res.rows.map((r) => [r.key, r]));
    return reqs.map((r) => {
      const row = byKey.get(r.key);
      if (!row) return { key: r.key };
      try {
        return { key: r.key, ...toResponse(row) };
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

  async query(q: Query, keyPrefix: string, _metadata: Record<string, string>): Promise<QueryResult> {
    const built = buildQuery(q, this.md.tableName, keyPrefix);
    const res = await this.open().query<Row>(built.text, built.params);
    const results = res.rows.map((row) => {
      try {
        return { key: row.key, data: decodeFromJsonb(row.value, row.isbinary), etag: row.etag };
      } catch (err) {
        return { key: row.key, data: Buffer.alloc(0), error: (err as Error).message };
      }
    });
    return built.limit > 0 ? { results, token: String(built.skip + results.length) } : { results };
  }

  private async doSet(db: Queryable, req: SetRequest): Promise<void> {
    const ttl = effectiveTtl(req.metadata);
    const { text, isBinary } = encodeForJsonb(req.value);
    const ttlParam = ttl !== undefined && ttl > 0 ? ttl : null;
    const t = this.md.tableName;
    if (req.etag !== undefined && req.etag !== "") {
      const xmin = parseEtag(req.etag);
      const res = await db.query(
        `UPDATE ${t} SET value = $2::jsonb, isbinary = $3, updatedate = CURRENT_TIMESTAMP, expiredate = ${expiry(4)}
         WHERE key = $1 AND xmin = $5::text::xid AND (expiredate IS NULL OR expiredate > CURRENT_TIMESTAMP)`,
        [req.key, text, isBinary, ttlParam, xmin],
      );
      if (res.rowCount !== 1) throw new EtagMismatchError(`etag mismatch for key ${req.key}`);
      return;
    }
    // An upsert in both cases: with first-write, an existing row is only replaced when it has expired.
    const firstWrite = req.options.concurrency === "first-write";
    const res = await db.query(
      `INSERT INTO ${t} AS t (key, value, isbinary, expiredate) VALUES ($1, $2::jsonb, $3, ${expiry(4)})
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, isbinary = excluded.isbinary,
         updatedate = CURRENT_TIMESTAMP, expiredate = ${expiry(4)}
       ${firstWrite ? "WHERE t.expiredate IS NOT NULL AND t.expiredate < CURRENT_TIMESTAMP" : ""}`,
      [req.key, text, isBinary, ttlParam],
    );
    if (res.rowCount !== 1) throw new EtagMismatchError(`key ${req.key} already exists and no etag was given (first-write)`);
  }

  private async doDelete(db: Queryable, req: DeleteRequest): Promise<void> {
    const t = this.md.tableName;
    if (req.etag === undefined || req.etag === "") {
      await db.query(`DELETE FROM ${t} WHERE key = $1`, [req.key]);
      return;
    }
    const res = await db.query(`DELETE FROM ${t} WHERE key = $1 AND xmin = $2::text::xid`, [req.key, parseEtag(req.etag)]);
    if (res.rowCount !== 1) throw new EtagMismatchError(`etag mismatch for key ${req.key}`);
  }

  /** Deletes expired rows unless another sidecar did so within the interval (Dapr's GC protocol). */
  async cleanupExpired(): Promise<number> {
    const pool = this.connection?.pool;
    if (!pool) return 0;
    try {
      return await cleanupExpired(pool, {
        metadataTableName: this.md.metadataTableName,
        claimKey: "last-cleanup",
        intervalMs: this.md.cleanupIntervalMs,
        deleteExpiredSql: `DELETE FROM ${this.md.tableName} WHERE expiredate IS NOT NULL AND expiredate < now()`,
      });
    } catch (err) {
      this.ctx.logger.warn("failed to remove expired state rows", { component: this.ctx.name, error: (err as Error).message });
      return 0;
    }
  }

  private open(): pg.Pool {
    const pool = this.connection?.pool;
    if (!pool) throw new Error(`state store ${this.ctx.name} is not initialized or already closed`);
    return pool;
  }
}

/** ETags are transaction ids (xmin): unsigned 32-bit decimal numbers. */
function parseEtag(etag: string): string {
  if (!/^\d{1,10}$/.test(etag) || Number(etag) > 0xffffffff) throw new EtagInvalidError(`etag '${etag}' is not a 32-bit unsigned number`);
  return String(Number(etag));
}

function toResponse(row: Row): GetResponse {
  const metadata = row.expiredate ? ttlExpireTimeMetadata(row.expiredate.getTime()) : undefined;
  return { data: decodeFromJsonb(row.value, row.isbinary), etag: row.etag, ...(metadata ? { metadata } : {}) };
}
