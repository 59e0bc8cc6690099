// Component metadata of `state.postgresql` v1 and v2, with Dapr's names and defaults.
import type { PoolConfig } from "pg";
import { prop, requiredProp, type ComponentContext } from "../../component.js";
import { durationProp } from "../common/state-metadata.js";

export interface PostgresMetadata {
  pool: PoolConfig;
  /** "table" or "schema.table": v1's `tableName`, v2's `tablePrefix` + "state". */
  tableName: string;
  metadataTableName: string;
  timeoutMs: number;
  /** 0 disables the periodic removal of expired rows (they stay invisible either way). */
  cleanupIntervalMs: number;
}

// Table names go into SQL text, so only (optionally schema-qualified) identifiers are allowed.
const TABLE = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/;

export function parsePostgresMetadata(ctx: ComponentContext, version: "v1" | "v2" = "v1"): PostgresMetadata {
  const cs = requiredProp(ctx, "connectionString");
  const tableName = version === "v1" ? prop(ctx.properties, "tableName") || "state" : `${prop(ctx.properties, "tablePrefix") ?? ""}state`;
  const metadataTableName = prop(ctx.properties, "metadataTableName") || "dapr_metadata";
  for (const [field, value] of [["tableName", tableName], ["metadataTableName", metadataTableName]] as const) {
    const what = field === "tableName" && version === "v2" ? "tablePrefix" : field;
    if (!TABLE.test(value)) throw new Error(`component ${ctx.name}: metadata '${what}' must give a table name like 'state' or 'schema.state', got '${value}'`);
  }
  const timeoutMs = durationProp(ctx.properties, "timeout", 20_000, "timeoutInSeconds");
  if (timeoutMs < 1000) throw new Error(`component ${ctx.name}: invalid value for 'timeout': must be at least 1s`);
  const cleanupIntervalMs = Math.max(0, durationProp(ctx.properties, "cleanupInterval", 3_600_000, "cleanupIntervalInSeconds"));
  return {
    pool: { ...connectionConfig(cs, ctx.name), connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs },
    tableName,
    metadataTableName,
    timeoutMs,
    cleanupIntervalMs,
  };
}

/**
 * Dapr (pgx) accepts both URLs and libpq "key=value" strings; node-postgres
 * only parses URLs, so the key=value form is translated here.
 */
export function connectionConfig(cs: string, name: string): PoolConfig {
  if (/^postgres(ql)?:\/\//.test(cs)) return { connectionString: cs };
  const cfg: PoolConfig = {};
  const re = /\s*([A-Za-z_]+)\s*=\s*('((?:[^'\\]|\\.)*)'|\S*)/gy;
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = re.exec(cs)) !== null && m[0] !== "") {
    consumed = re.lastIndex;
    const key = m[1]!.toLowerCase();
    const value = m[3] !== undefined ? m[3].replace(/\\(.)/g, "$1") : m[2]!;
    switch (key) {
      case "host": cfg.host = value; break;
      case "port": cfg.port = Number(value); break;
      case "user": cfg.user = value; break;
      case "password": cfg.password = value; break;
      case "dbname": cfg.database = value; break;
      case "sslmode": if (value !== "disable") cfg.ssl = value === "require" ? { rejectUnauthorized: false } : true; break;
      case "application_name": cfg.application_name = value; break;
      case "connect_timeout": break; // the component timeout applies
      default: break; // pool_* and other pgx-only settings have no node-postgres meaning
    }
  }
  if (consumed !== cs.trimEnd().length || cs.trim() === "") {
    throw new Error(`component ${name}: metadata 'connectionString' must be a postgres:// URL or 'key=value' pairs`);
  }
  return cfg;
}
