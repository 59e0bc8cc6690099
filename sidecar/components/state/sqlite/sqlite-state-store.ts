// Dapr's `state.sqlite` on better-sqlite3: the embedded default store. Rows use
// Dapr's layout (see sqlite-schema.ts and common/value-encoding.ts). ETags are
// random UUIDs. better-sqlite3 is synchronous, so every call is atomic within
// this process; transactions use BEGIN IMMEDIATE so other processes sharing the
// file cannot interleave either.
// Unlike Dapr's SQLite store, this one offers the query API (sqlite-query.ts):
// a deliberate addition, since SQLite is the embedded default store.
import { randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import type Database from "better-sqlite3";
import type { ComponentContext } from "../../component.js";
import {
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
import { decodeFromSqlite, encodeForSqlite } from "../common/value-encoding.js";
import { parseSqliteMetadata, type SqliteMetadata } from "./sqlite-metadata.js";
import { buildSqliteQuery } from "./sqlite-query.js";
import { migrate } from "./sqlite-schema.js";

// better-sqlite3 is required when the first database opens, not when this module loads:
// a store opened on first use (the embedded default) then costs nothing until it is used.
const requireFromHere = createRequire(import.meta.url);
let sqlite: typeof Database | undefined;
const loadSqlite = (): typeof Database => (sqlite ??= requireFromHere("better-sqlite3") as typeof Database);

// Millisecond timestamps in SQLite's text form. They compare correctly, as
// text, with the whole-second CURRENT_TIMESTAMP values Dapr writes.
const NOW = `strftime('%Y-%m-%d %H:%M:%f', 'now')`;
const NOT_EXPIRED = `(expiration_time IS NULL OR expiration_time > ${NOW})`;

interface Row {
  key: string;
  value: string;
  is_binary: number;
  etag: string;
  expiration_time: string | null;
}

type Statement = Database.Statement;

const MAX_CACHED_QUERIES = 64;

export class SqliteStateStore implements TransactionalStateStore, QueryableStateStore {
  private readonly md: SqliteMetadata;
  private db: Database.Database | undefined;
  private stmts!: Record<"get" | "upsert" | "insert" | "update" | "deleteExpired" | "delete" | "deleteIfEtag" | "sweep", Statement>;
  private cleanupTimer: NodeJS.Timeout | undefined;
  private readonly queryStatements = new Map<string, Statement>();
  private closed = false;

  constructor(private readonly ctx: ComponentContext) {
    this.md = parseSqliteMetadata(ctx);
  }

  async init(): Promise<void> {
    // Deferred: open() opens the file on the first call, and a failure then fails that call (the next one tries again).
    if (!this.md.openOnFirstUse) this.openDatabase();
  }

  private openDatabase(): Database.Database {
    let db: Database.Database | undefined;
    try {
      db = new (loadSqlite())(this.md.filename, { readonly: this.md.readonly, timeout: this.md.busyTimeoutMs });
      if (this.md.filename !== ":memory:" && !this.md.disableWAL && !this.md.readonly) db.pragma("journal_mode = WAL");
      if (!this.md.readonly) migrate(db, this.md.tableName, this.md.metadataTableName);
      this.prepare(db);
    } catch (err) {
      db?.close();
      throw new Error(`component ${this.ctx.name}: cannot open SQLite database '${this.md.filename}': ${(err as Error).message}`);
    }
    this.db = db;
    if (this.md.cleanupIntervalMs > 0) {
      this.cleanupTimer = setInterval(() => this.sweepExpired(), this.md.cleanupIntervalMs);
      this.cleanupTimer.unref();
    }
    return db;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.cleanupTimer) clearInterval(this.cleanupTimer);
    this.cleanupTimer = undefined;
    this.queryStatements.clear();
    this.db?.close();
    this.db = undefined;
  }

  features(): StateFeature[] {
    return ["ETAG", "TRANSACTIONAL", "QUERY_API", "TTL"];
  }

  async get(req: GetRequest): Promise<GetResponse | undefined> {
    const row = this.stmt("get").get(req.key) as Row | undefined;
    return row ? toResponse(row) : undefined;
  }

  async bulkGet(reqs: GetRequest[]): Promise<BulkGetItem[]> {
    const get = this.stmt("get");
    return reqs.map((r) => {
      const row = get.get(r.key) as Row | undefined;
      return row ? { key: r.key, ...toResponse(row) } : { key: r.key };
    });
  }

  async set(req: SetRequest): Promise<void> {
    this.doSet(req);
  }

  async delete(req: DeleteRequest): Promise<void> {
    this.doDelete(req);
  }

  async multi(ops: TransactionOperation[]): Promise<void> {
    const db = this.open();
    db.transaction(() => {
      for (const op of ops) {
        if (op.operation === "upsert") this.doSet(op.request);
        else this.doDelete(op.request);
      }
    }).immediate();
  }

  /** Rows under `keyPrefix`, keys as stored; the page token is the offset of the next page (as in Dapr's SQL stores). */
  async query(q: Query, keyPrefix: string, _metadata: Record<string, string>): Promise<QueryResult> {
    const built = buildSqliteQuery(q, this.md.tableName, keyPrefix, NOT_EXPIRED);
    const rows = this.queryStatement(built.text).all(...built.params) as Omit<Row, "expiration_time">[];
    const results = rows.map((row) => ({ key: row.key, data: decodeFromSqlite(row.value, row.is_binary !== 0), etag: row.etag }));
    return built.limit > 0 ? { results, token: String(built.skip + results.length) } : { results };
  }

  private doSet(req: SetRequest): void {
    const ttl = effectiveTtl(req.metadata);
    const { text, isBinary } = encodeForSqlite(req.value);
    const row = {
      key: req.key,
      value: text,
      isBinary: isBinary ? 1 : 0,
      etag: randomUUID(),
      // A TTL of 0 or less means "no expiry", as in Dapr.
      ttl: ttl !== undefined && ttl > 0 ? `+${ttl} seconds` : null,
    };
    if (req.etag !== undefined && req.etag !== "") {
      const res = this.stmt("update").run({ ...row, oldEtag: req.etag });
      if (res.changes === 0) throw new EtagMismatchError(`etag mismatch for key ${req.key}`);
      return;
    }
    if (req.options.concurrency === "first-write") {
      // An expired row still occupies the key until the sweep runs; it must not block a first write.
      this.stmt("deleteExpired").run(req.key);
      try {
        this.stmt("insert").run(row);
      } catch (err) {
        if ((err as { code?: string }).code === "SQLITE_CONSTRAINT_PRIMARYKEY") {
          throw new EtagMismatchError(`key ${req.key} already exists and no etag was given (first-write)`);
        }
        throw err;
      }
      return;
    }
    this.stmt("upsert").run(row);
  }

  private doDelete(req: DeleteRequest): void {
    if (req.etag !== undefined && req.etag !== "") {
      const res = this.stmt("deleteIfEtag").run(req.key, req.etag);
      if (res.changes === 0) throw new EtagMismatchError(`etag mismatch for key ${req.key}`);
      return;
    }
    this.stmt("delete").run(req.key);
  }

  private sweepExpired(): void {
    try {
      this.db && this.stmt("sweep").run();
    } catch (err) {
      this.ctx.logger.warn("failed to remove expired state rows", { component: this.ctx.name, error: (err as Error).message });
    }
  }

  private prepare(db: Database.Database): void {
    const t = this.md.tableName;
    // @ttl is "+N seconds" or null (no expiry); an update also resets the expiry, as in Dapr.
    const expiry = `CASE WHEN @ttl IS NULL THEN NULL ELSE strftime('%Y-%m-%d %H:%M:%f', 'now', @ttl) END`;
    const insert = (verb: string) =>
      db.prepare(`${verb} INTO ${t} (key, value, is_binary, etag, update_time, expiration_time)
        VALUES (@key, @value, @isBinary, @etag, CURRENT_TIMESTAMP, ${expiry})`);
    this.stmts = {
      get: db.prepare(`SELECT key, value, is_binary, etag, expiration_time FROM ${t} WHERE key = ? AND ${NOT_EXPIRED}`),
      upsert: insert("INSERT OR REPLACE"),
      insert: insert("INSERT"),
      update: db.prepare(`UPDATE ${t}
        SET value = @value, is_binary = @isBinary, etag = @etag, update_time = CURRENT_TIMESTAMP, expiration_time = ${expiry}
        WHERE key = @key AND etag = @oldEtag AND ${NOT_EXPIRED}`),
      deleteExpired: db.prepare(`DELETE FROM ${t} WHERE key = ? AND expiration_time IS NOT NULL AND expiration_time <= ${NOW}`),
      delete: db.prepare(`DELETE FROM ${t} WHERE key = ?`),
      deleteIfEtag: db.prepare(`DELETE FROM ${t} WHERE key = ? AND etag = ? AND ${NOT_EXPIRED}`),
      sweep: db.prepare(`DELETE FROM ${t} WHERE expiration_time IS NOT NULL AND expiration_time <= ${NOW}`),
    };
  }

  /** Apps repeat the same query shapes (only values change), so their statements are kept, up to a bound. */
  private queryStatement(text: string): Statement {
    const db = this.open();
    let stmt = this.queryStatements.get(text);
    if (!stmt) {
      if (this.queryStatements.size >= MAX_CACHED_QUERIES) this.queryStatements.delete(this.queryStatements.keys().next().value!);
      stmt = db.prepare(text);
      this.queryStatements.set(text, stmt);
    }
    return stmt;
  }

  private open(): Database.Database {
    if (this.db) return this.db;
    if (this.md.openOnFirstUse && !this.closed) return this.openDatabase();
    throw new Error(`state store ${this.ctx.name} is not initialized or already closed`);
  }

  private stmt(name: keyof SqliteStateStore["stmts"]): Statement {
    this.open();
    return this.stmts[name];
  }
}

function toResponse(row: Row): GetResponse {
  const res: GetResponse = { data: decodeFromSqlite(row.value, row.is_binary !== 0), etag: row.etag };
  if (row.expiration_time) {
    // SQLite timestamps are UTC without a zone marker.
    const ms = Date.parse(row.expiration_time.replace(" ", "T") + "Z");
    const metadata = Number.isFinite(ms) ? ttlExpireTimeMetadata(ms) : undefined;
    if (metadata) res.metadata = metadata;
  }
  return res;
}
