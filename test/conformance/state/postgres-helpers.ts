// Helpers for tests against the shared PostgreSQL: unique table names, and dropping them afterwards.
import pg from "pg";
import { services, uniqueName } from "../../support/services.js";

/** A unique, valid SQL identifier. */
export function uniqueTable(prefix: string): string {
  return uniqueName(prefix).replace(/[^A-Za-z0-9_]/g, "_").toLowerCase();
}

export async function dropTables(...tables: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: services.postgres.connectionString });
  await client.connect();
  try {
    for (const t of tables) await client.query(`DROP TABLE IF EXISTS ${t}`);
  } finally {
    await client.end();
  }
}
