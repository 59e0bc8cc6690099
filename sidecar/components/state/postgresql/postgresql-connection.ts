// The connection lifecycle both PostgreSQL state store versions share: a pool
// whose idle-client errors are logged (unhandled they would crash the
// process), the version's migrations run once at init, and a timer that
// deletes expired rows until close.
import pg from "pg";
import type { ComponentContext } from "../../component.js";
import type { PostgresMetadata } from "./postgresql-metadata.js";
import { migrate } from "./postgresql-schema.js";

export interface PostgresConnection {
  pool: pg.Pool;
  close(): Promise<void>;
}

export async function openPostgres(
  ctx: ComponentContext,
  md: PostgresMetadata,
  migrations: { name: string; steps: Parameters<typeof migrate>[3] },
  cleanup: () => Promise<unknown>,
): Promise<PostgresConnection> {
  const pool = new pg.Pool(md.pool);
  pool.on("error", (err) => ctx.logger.warn("postgresql state store connection error", { component: ctx.name, error: err.message }));
  try {
    const client = await pool.connect();
    try {
      await migrate(client, md.metadataTableName, migrations.name, migrations.steps, md.tableName);
    } finally {
      client.release();
    }
  } catch (err) {
    await pool.end().catch(() => {});
    throw new Error(`component ${ctx.name}: cannot initialize PostgreSQL state store: ${(err as Error).message}`);
  }
  let timer: NodeJS.Timeout | undefined;
  if (md.cleanupIntervalMs > 0) {
    timer = setInterval(() => void cleanup(), md.cleanupIntervalMs);
    timer.unref();
  }
  return {
    pool,
    async close() {
      clearInterval(timer);
      await pool.end();
    },
  };
}

/** Runs `fn` on one client inside BEGIN/COMMIT; any failure rolls the whole transaction back. */
export async function inTransaction(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<void>): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await fn(client);
    await client.query("COMMIT");
  } catch (err) {
    await client.query("ROLLBACK").catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}
