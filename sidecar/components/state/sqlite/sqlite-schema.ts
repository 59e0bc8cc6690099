// Dapr's SQLite schema: a `metadata` table holding the migration level and the
// state table (key, value, is_binary, etag, expiration_time, update_time), so a
// database file can be shared with, or taken over from, Dapr's own sidecar.
import type Database from "better-sqlite3";

/** Dapr's SQLite state store is at migration level 1: the state table exists. */
const MIGRATION_LEVEL = 1;

export function migrate(db: Database.Database, tableName: string, metadataTableName: string): void {
  db.transaction(() => {
    db.prepare(`CREATE TABLE IF NOT EXISTS ${metadataTableName} (key text NOT NULL PRIMARY KEY, value text NOT NULL)`).run();
    const row = db.prepare(`SELECT value FROM ${metadataTableName} WHERE key = 'migrations'`).get() as { value: string } | undefined;
    const level = row ? Number(row.value) : 0;
    if (!Number.isInteger(level) || level < 0) throw new Error(`invalid migration level '${row?.value}' in table ${metadataTableName}`);
    if (level < 1) {
      // IF NOT EXISTS: databases from Dapr versions before the metadata table already hold the state table.
      db.prepare(
        `CREATE TABLE IF NOT EXISTS ${tableName} (
          key TEXT NOT NULL PRIMARY KEY,
          value TEXT NOT NULL,
          is_binary BOOLEAN NOT NULL,
          etag TEXT NOT NULL,
          expiration_time TIMESTAMP DEFAULT NULL,
          update_time TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
        )`,
      ).run();
      db.prepare(`REPLACE INTO ${metadataTableName} (key, value) VALUES ('migrations', ?)`).run(String(MIGRATION_LEVEL));
    }
  }).immediate();
}
