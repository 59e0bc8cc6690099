// Dapr's `state.postgresql` v2: values stored as raw bytes (bytea, so reads
// are byte-exact), a random UUID per write as ETag, TTLs in `expires_at`, and
// no query API (as in Dapr). Table name: `tablePrefix` + "state".
import type { ComponentContext } from "../../component.js";
import { EtagInvalidError, EtagMismatchError, type GetResponse, type SetRequest, type StateFeature } from "../state-store.js";
import { effectiveTtl, ttlExpireTimeMetadata } from "../common/state-metadata.js";
import { parsePostgresMetadata, type PostgresMetadata } from "./postgresql-metadata.js";
import { v2Migrations } from "./postgresql-schema.js";
import { PostgresTableStore, type Queryable, type TableLayout } from "./postgresql-table-store.js";

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
const etagMatches = (n: number) => `etag = $${n}::uuid`;

export class PostgresV2StateStore extends PostgresTableStore<Row> {
  constructor(ctx: ComponentContext) {
    const md = parsePostgresMetadata(ctx, "v2");
    super(ctx, md, layout(md));
  }

  features(): StateFeature[] {
    return ["ETAG", "TRANSACTIONAL", "TTL"];
  }

  protected async doSet(db: Queryable, req: SetRequest): Promise<void> {
    const ttl = effectiveTtl(req.metadata);
    const ttlParam = ttl !== undefined && ttl > 0 ? ttl : null;
    const t = this.md.tableName;
    if (req.etag !== undefined && req.etag !== "") {
      const res = await db.query(
        `UPDATE ${t} SET value = $2, updated_at = now(), etag = gen_random_uuid(), expires_at = ${expiry(3)}
         WHERE key = $1 AND ${etagMatches(4)} AND ${LIVE}`,
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
}

function layout(md: PostgresMetadata): TableLayout<Row> {
  const prefix = md.tableName.slice(0, -"state".length);
  return {
    migrations: { name: `migrations-state-v2-${prefix}`, steps: v2Migrations(md.tableName) },
    columns: "key, value, etag::text AS etag, expires_at",
    live: LIVE,
    etagMatches,
    parseEtag,
    sweep: {
      claimKey: `last-cleanup-state-v2-${md.metadataTableName}`,
      deleteExpiredSql: `DELETE FROM ${md.tableName} WHERE expires_at IS NOT NULL AND expires_at < now()`,
    },
    toResponse,
  };
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
