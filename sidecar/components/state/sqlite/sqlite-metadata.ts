// Component metadata of `state.sqlite`, read as Dapr reads it.
import { boolProp, prop, type ComponentContext } from "../../component.js";
import { durationProp } from "../common/state-metadata.js";

export interface SqliteMetadata {
  /** A file path, or ":memory:" for a private in-memory database. */
  filename: string;
  readonly: boolean;
  tableName: string;
  metadataTableName: string;
  /** Validated for Dapr parity; better-sqlite3 calls are synchronous, so only busyTimeout applies. */
  timeoutMs: number;
  busyTimeoutMs: number;
  /** 0 disables the background sweep (expired rows stay invisible either way). */
  cleanupIntervalMs: number;
  disableWAL: boolean;
  /**
   * dapr-ts's own (Dapr has no such field): open the file, and load SQLite, on the
   * first call rather than at init. The embedded default sets it, so a sidecar
   * that never uses state does not carry SQLite (~3 MiB resident).
   */
  openOnFirstUse: boolean;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function parseSqliteMetadata(ctx: ComponentContext): SqliteMetadata {
  const cs = prop(ctx.properties, "connectionString");
  if (cs === undefined || cs === "") throw new Error(`component ${ctx.name} (${ctx.type}): missing required metadata 'connectionString'`);
  const { filename, readonly } = parseConnectionString(cs);
  const tableName = prop(ctx.properties, "tableName") || "state";
  const metadataTableName = prop(ctx.properties, "metadataTableName") || "metadata";
  for (const [field, value] of [["tableName", tableName], ["metadataTableName", metadataTableName]] as const) {
    // Table names go into SQL text, so only plain identifiers are allowed.
    if (!IDENTIFIER.test(value)) throw new Error(`component ${ctx.name}: metadata '${field}' must be a plain identifier, got '${value}'`);
  }
  if (tableName === metadataTableName) throw new Error(`component ${ctx.name}: tableName and metadataTableName must differ`);
  return {
    filename,
    readonly,
    tableName,
    metadataTableName,
    timeoutMs: durationProp(ctx.properties, "timeout", 20_000, "timeoutInSeconds"),
    busyTimeoutMs: durationProp(ctx.properties, "busyTimeout", 2_000),
    cleanupIntervalMs: Math.max(0, durationProp(ctx.properties, "cleanupInterval", 0, "cleanupIntervalInSeconds")),
    disableWAL: boolProp(ctx.properties, "disableWAL", false),
    openOnFirstUse: boolProp(ctx.properties, "openOnFirstUse", false),
  };
}

/**
 * Accepts what Dapr's driver accepts in practice: ":memory:", a plain path, or
 * a `file:` URI whose query may say `mode=memory` or `mode=ro`. Driver-specific
 * parameters (`_pragma=...`, `_txlock=...`) are ignored: the store sets its own pragmas.
 */
export function parseConnectionString(cs: string): { filename: string; readonly: boolean } {
  if (cs === ":memory:") return { filename: ":memory:", readonly: false };
  if (!cs.startsWith("file:")) return { filename: cs, readonly: false };
  const rest = cs.slice("file:".length);
  const q = rest.indexOf("?");
  const path = decodeURIComponent(q < 0 ? rest : rest.slice(0, q));
  const params = new URLSearchParams(q < 0 ? "" : rest.slice(q + 1));
  const mode = params.get("mode");
  if (mode === "memory" || path === ":memory:") return { filename: ":memory:", readonly: false };
  if (path === "") throw new Error(`connectionString '${cs}' names no database file`);
  return { filename: path, readonly: mode === "ro" };
}
