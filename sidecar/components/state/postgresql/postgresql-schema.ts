// Dapr's PostgreSQL schemas, migrated the way Dapr does it: a metadata table
// (`dapr_metadata`, key/value) records the migration level under a per-schema
// key, so a database can be shared with Dapr's own sidecars in both directions.
//   v1: key 'migrations'; level 1 creates the jsonb state table, level 2 adds `expiredate`.
//   v2: key 'migrations-state-v2-<tablePrefix>'; level 1 creates the bytea state table.
import type { PoolClient } from "pg";

export type Migration = (client: PoolClient) => Promise<void>;

export function v1Migrations(table: string): Migration[] {
  return [
    async (client) => {
      await client.query(`CREATE TABLE IF NOT EXISTS ${table} (
        key text NOT NULL PRIMARY KEY,
        value jsonb NOT NULL,
        isbinary boolean NOT NULL,
        insertdate TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
        updatedate TIMESTAMP WITH TIME ZONE NULL
      )`);
    },
    async (client) => {
      await client.query(`ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS expiredate TIMESTAMP WITH TIME ZONE`);
    },
  ];
}

export function v2Migrations(table: string): Migration[] {
  // Postgres names an unnamed index on (expires_at) "<table>_expires_at_idx"; naming it
  // the same lets IF NOT EXISTS recognise an index Dapr created.
  const indexName = `${table.split(".").pop()}_expires_at_idx`;
  return [
    async (client) => {
      await client.query(`CREATE TABLE IF NOT EXISTS ${table} (
        key text NOT NULL PRIMARY KEY,
        value bytea NOT NULL,
        etag uuid NOT NULL DEFAULT gen_random_uuid(),
        created_at timestamp with time zone NOT NULL DEFAULT now(),
        updated_at timestamp with time zone,
        expires_at timestamp with time zone
      )`);
      await client.query(`CREATE INDEX IF NOT EXISTS ${indexName} ON ${table} (expires_at)`);
    },
  ];
}

/**
 * Brings `stateTable` up to the last migration. v1's level is recorded under one
 * key per metadata table, not per state table (as Dapr records it), so a second
 * v1 store with its own tableName but the same metadata table finds the level
 * already reached while its table does not exist: when the table is missing,
 * every step runs again (each is idempotent) and the recorded level is kept.
 */
export async function migrate(client: PoolClient, metadataTableName: string, migrationKey: string, migrations: Migration[], stateTable: string): Promise<void> {
  await client.query("BEGIN");
  try {
    // Several sidecars may start at once: serialize their migrations.
    await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`dapr-state-migrations:${metadataTableName}`]);
    await client.query(`CREATE TABLE IF NOT EXISTS ${metadataTableName} (key text NOT NULL PRIMARY KEY, value text NOT NULL)`);
    const res = await client.query<{ value: string }>(`SELECT value FROM ${metadataTableName} WHERE key = $1`, [migrationKey]);
    const level = res.rows[0] ? Number(res.rows[0].value) : 0;
    if (!Number.isInteger(level) || level < 0) throw new Error(`invalid migration level '${res.rows[0]?.value}' in ${metadataTableName}`);
    const exists = (await client.query<{ t: string | null }>("SELECT to_regclass($1)::text AS t", [stateTable])).rows[0]?.t != null;
    for (let i = exists ? level : 0; i < migrations.length; i++) {
      await migrations[i]!(client);
      if (i < level) continue;
      await client.query(
        `INSERT INTO ${metadataTableName} (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
        [migrationKey, String(i + 1)],
      );
    }
    await client.query("COMMIT");
  } catch (err) {
    await client.query("ROLLBACK").catch(() => {});
    throw err;
  }
}
