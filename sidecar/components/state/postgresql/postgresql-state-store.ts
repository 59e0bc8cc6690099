// Dapr's `state.postgresql` (v1) on node-postgres: the jsonb layout of
// postgresql-schema.ts, the row's `xmin` as ETag (a 32-bit number), TTLs in
// `expiredate`, real SQL transactions, and the query API over the jsonb value.
import type { ComponentContext } from "../../component.js";
import {
  EtagInvalidError,
  EtagMismatchError,
  type GetResponse,
  type Query,
  type QueryableStateStore,
  type QueryResult,
  type SetRequest,
  type StateFeature,
} from "../state-store.js";
import { effectiveTtl, ttlExpireTimeMetadata } from "../common/state-metadata.js";
import { decodeFromJsonb, encodeForJsonb } from "../common/value-encoding.js";
import { parsePostgresMetadata, type PostgresMetadata } from "./postgresql-metadata.js";
import { buildQuery } from "./postgresql-query.js";
import { v1Migrations } from "./postgresql-schema.js";
import { PostgresTableStore, type Queryable, type TableLayout } from "./postgresql-table-store.js";

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
const etagMatches = (n: number) => `xmin = $${n}::text::xid`;

export class PostgresStateStore extends PostgresTableStore<Row> implements QueryableStateStore {
  constructor(ctx: ComponentContext) {
    const md = parsePostgresMetadata(ctx);
    super(ctx, md, layout(md));
  }

  features(): StateFeature[] {
    return ["ETAG", "TRANSACTIONAL", "QUERY_API", "TTL"];
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

  protected async doSet(db: Queryable, req: SetRequest): Promise<void> {
    const ttl = effectiveTtl(req.metadata);
    const { text, isBinary } = encodeForJsonb(req.value);
    const ttlParam = ttl !== undefined && ttl > 0 ? ttl : null;
    const t = this.md.tableName;
    if (req.etag !== undefined && req.etag !== "") {
      const xmin = parseEtag(req.etag);
      const res = await db.query(
        `UPDATE ${t} SET value = $2::jsonb, isbinary = $3, updatedate = CURRENT_TIMESTAMP, expiredate = ${expiry(4)}
         WHERE key = $1 AND ${etagMatches(5)} AND (expiredate IS NULL OR expiredate > CURRENT_TIMESTAMP)`,
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
}

function layout(md: PostgresMetadata): TableLayout<Row> {
  return {
    migrations: { name: "migrations", steps: v1Migrations(md.tableName) },
    columns: "key, value::text AS value, isbinary, xmin::text AS etag, expiredate",
    live: LIVE,
    etagMatches,
    parseEtag: parseEtag,
    sweep: { claimKey: "last-cleanup", deleteExpiredSql: `DELETE FROM ${md.tableName} WHERE expiredate IS NOT NULL AND expiredate < now()` },
    toResponse,
  };
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
