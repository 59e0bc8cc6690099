// Dapr's garbage collector for expired rows: a "last cleanup" row in the
// metadata table lets only one of several sidecars sharing the table clean up
// per interval; whoever moves its timestamp forward deletes the expired rows.
import type pg from "pg";

export interface GcOptions {
  metadataTableName: string;
  /** The metadata key Dapr uses for this schema ('last-cleanup' for v1). */
  claimKey: string;
  intervalMs: number;
  deleteExpiredSql: string;
}

/** Returns how many rows were deleted (0 when another sidecar cleaned up recently). */
export async function cleanupExpired(pool: pg.Pool, opts: GcOptions): Promise<number> {
  const claim = await pool.query(
    `INSERT INTO ${opts.metadataTableName} AS m (key, value) VALUES ($1, now()::text)
     ON CONFLICT (key) DO UPDATE SET value = now()::text
     WHERE (EXTRACT('epoch' FROM now() - m.value::timestamp with time zone) * 1000)::bigint > $2`,
    [opts.claimKey, Math.max(0, opts.intervalMs - 1000)],
  );
  if (claim.rowCount !== 1) return 0;
  const res = await pool.query(opts.deleteExpiredSql);
  return res.rowCount ?? 0;
}
