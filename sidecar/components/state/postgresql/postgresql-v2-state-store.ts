// Dapr's `state.postgresql` v2: values stored as raw bytes (bytea, so reads
// are byte-exact), a random UUID per write as ETag, TTLs in `expires_at`, and
// no query API (as in Dapr). Table name: `tablePrefix` + "state".
import pg from "pg";
import type { ComponentContext } from "../../component.js";
import {
  EtagInvalidError,
  EtagMismatchError,
  type BulkGetItem,
  type DeleteRequest,
  type GetRequest,
  type GetResponse,
  type SetRequest,
  type StateFeature,
  type TransactionalStateStore,
  type TransactionOperation,
} from "../state-store.js";
import { effectiveTtl, ttlExpireTimeMetadata } from "../common/state-metadata.js";
import { cleanupExpired } from "./postgresql-gc.js";
import { inTransaction, openPostgres, type PostgresConnection } from "./postgresql-connection.js";
import { parsePostgresMetadata, type PostgresMetadata } from "./postgresql-metadata.js";
import { v2Migrations } from "./postgresql-schema.js";

type Queryable = Pick<pg.Pool, "query"> | pg.PoolClient;

interface Row {
  key: string;
  value: Buffer;
  etag: string;
  expires_at: Date | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LIVE = `(expires_at IS NULL OR expires_at >= now())`;
// $n is the TTL in seconds or NULL; NULL arithmetic yields a NULL expires_at.
const expiry = (n: number) => `now() + ($${n}::int * interval '1 second')`;

export class PostgresV2StateStore implements TransactionalStateStore {
  private readonly md: PostgresMetadata;
  private readonly prefix: string;
  private connection: PostgresConnection | undefined;

  constructor(private readonly ctx: ComponentContext) {
    this.md = parsePostgresMetadata(ctx, "v2");
    this.prefix = this.md.tableName.slice(0, -"state".length);
  }

  async init(): Promise<void> {
    this.connection = await openPostgres(this.ctx, this.md, { name: `migrations-state-v2-${this.prefix}`, steps: v2Migrations(this.md.tableName) }, () => this.cleanupExpired());
  }

  async close(): Promise<void> {
    const c = this.connection;
    this.connection = undefined;
    await c?.close();
  }

  features(): StateFeature[] {
    return ["ETAG", "TRANSACTIONAL", "TTL"];
  }

  async get(req: GetRequest): Promise<GetResponse | undefined> {
    const res = await this.open().query<Row>(
      `SELECT key, value, etag::text AS etag, expires_at FROM ${this.md.tableName} WHERE key = $1 AND ${LIVE}`,
      [req.key],
    );
    return res.rows[0] ? toResponse(res.rows[0]) : undefined;
  }

  async bulkGet(reqs: GetRequest[]): Promise<BulkGetItem[]> {
    if (reqs.length === 0) return [];
    const res = await this.open().query<Row>(
      `SELECT key, value, etag::text AS etag, expires_at FROM ${this.md.tableName} WHERE key = ANY($1::text[]) AND ${LIVE}`,
      [reqs.map((r) => r.key)],
    );
    const byKey = new Map(res.rows.map((r) => [r.key, r]));
    return reqs.map((r) => {
      const row = byKey.get(r.key);
      return row ? { key: r.key, ...toResponse(row) } : { key: r.key };
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

  private async doSet(db: Queryable, req: SetRequest): Promise<void> {
    const ttl = effectiveTtl(req.metadata);
    const ttlParam = ttl !== undefined && ttl > 0 ? ttl : null;
    const t = this.md.tableName;
    if (req.etag !== undefined && req.etag !== "") {
      const res = await db.query(
        `UPDATE ${t} SET value = $2, updated_at = now(), etag = gen_random_uuid(), expires_at = ${expiry(3)}
         WHERE key = $1 AND etag = $4::uuid AND ${LIVE}`,
        [req.key, req.value, ttlParam, parseEtag(req.etag)],
      );
      if (res.rowCount !== 1) throw new EtagMismatchError(`etag mismatch for key ${req.key}`);
      return;
    }
    // An upsert in both cases: with first-write, an existing row is only replaced when it has expired.
    const firstWrite = req.options.concurrency === "first-write";
    const res = await db.query(
      `INSERT INTO ${t} AS t (key, value, etag, expires_at) VALUES ($1, $2, gen_random_uuid(), ${expiry(3)})
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = now(), etag = gen_random_uuid(), expires_at = ${expiry(3)}
       ${firstWrite ? "WHERE t.expires_at IS NOT NULL AND t.expires_at < now()" : ""}`,
      [req.key, req.value, ttlParam],
    );
    if (res.rowCount !== 1) throw new EtagMismatchError(`key ${req.key} already exists and no etag was given (first-write)`);
  }

  private async doDelete(db: Queryable, req: DeleteRequest): Promise<void> {
    const t = this.md.tableName;
    if (req.etag === undefined || req.etag === "") {
      await db.query(`DELETE FROM ${t} WHERE key = $1`, [req.key]);
      return;
    }
    const res = await db.query(`DELETE FROM ${t} WHERE key = $1 AND etag = $2::uuid`, [req.key, parseEtag(req.etag)]);
    if (res.rowCount !== 1) throw new EtagMismatchError(`etag mismatch for key ${req.key}`);
  }

  /** Deletes expired rows unless another sidecar did so within the interval (Dapr's GC protocol). */
  async cleanupExpired(): Promise<number> {
    const pool = this.connection?.pool;
    if (!pool) return 0;
    try {
      return await cleanupExpired(pool, {
        metadataTableName: this.md.metadataTableName,
        claimKey: `last-cleanup-state-v2-${this.md.metadataTableName}`,
        intervalMs: this.md.cleanupIntervalMs,
        deleteExpiredSql: `DELETE FROM ${this.md.tableName} WHERE expires_at IS NOT NULL AND expires_at < now()`,
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

/** v2 ETags are UUIDs; anything else can never match (Dapr would fail with a database error). */
function parseEtag(etag: string): string {
  if (!UUID.test(etag)) throw new EtagInvalidError(`etag '${etag}' is not a UUID`);
  return etag;
}

function toResponse(row: Row): GetResponse {
  const metadata = row.expires_at ? ttlExpireTimeMetadata(row.expires_at.getTime()) : undefined;
  return { data: row.value, etag: row.etag, ...(metadata ? { metadata } : {}) };
}
