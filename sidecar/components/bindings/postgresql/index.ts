// bindings.postgresql (alias bindings.postgres): run SQL from request metadata.
//   exec   `sql` (+ `params`, a JSON array) -> metadata `rows-affected`
//   query  same, data is a JSON array of rows, each row an array of column
//          values in select order (Dapr's shape: pgx `rows.Values()`)
//   close  closes the binding's pool
// Every answer carries `operation`, `sql`, `start-time`, `end-time`, `duration`.
import pg from "pg";
import { prop, type ComponentContext } from "../../component.js";
import { assertOperation, type InvokeRequest, type InvokeResponse, type OutputBinding } from "../binding.js";

const OPERATIONS = ["exec", "query", "close"];
const INT8_OID = 20;

// pgx hands int8 back as a number; node-postgres as a string. Match pgx where no precision is lost.
const types = {
  getTypeParser: ((oid: number, format?: "text" | "binary") => {
    if (oid === INT8_OID && format !== "binary") {
      return (v: string) => {
        const n = Number(v);
        return Number.isSafeInteger(n) ? n : v;
      };
    }
    return pg.types.getTypeParser(oid, format as "text");
  }) as typeof pg.types.getTypeParser,
};

/** Go's time.Duration.String() for a duration in ms, close enough for logs ("12.345ms", "1.5s"). */
function goDuration(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(6).replace(/\.?0+$/, "")}s` : `${ms.toFixed(6).replace(/\.?0+$/, "")}ms`;
}

export class PostgresOutputBinding implements OutputBinding {
  private pool?: pg.Pool;
  private closed = false;

  constructor(private readonly ctx: ComponentContext) {}

  async init(): Promise<void> {
    if (this.closed) throw new Error("cannot initialize a previously-closed component");
    // Dapr accepts `url` as an alias of `connectionString`.
    const connectionString = prop(this.ctx.properties, "connectionString") || prop(this.ctx.properties, "url");
    if (!connectionString) throw new Error(`component ${this.ctx.name} (${this.ctx.type}): missing required metadata 'connectionString'`);
    const pool = new pg.Pool({ connectionString, max: 5 });
    pool.on("error", (err) => this.ctx.logger.debug("postgres pool error", { error: err.message }));
    try {
      await pool.query("SELECT 1");
    } catch (err) {
      await pool.end().catch(() => {});
      throw new Error(`component ${this.ctx.name}: failed to ping the DB: ${(err as Error).message}`);
    }
    this.pool = pool;
  }

  operations(): string[] {
    return [...OPERATIONS];
  }

  async invoke(req: InvokeRequest): Promise<InvokeResponse> {
    assertOperation(this, req.operation, this.ctx.name);
    if (req.operation === "close") {
      await this.close();
      return {};
    }
    const pool = this.pool;
    if (this.closed || !pool) throw new Error("component is closed");
    const sql = req.metadata["sql"];
    if (!sql) throw new Error("required metadata not set: sql");
    let params: unknown[] = [];
    const rawParams = req.metadata["params"];
    if (rawParams) {
      let parsed: unknown;
      try { parsed = JSON.parse(rawParams); } catch (err) {
        throw new Error(`invalid metadata property params: failed to unserialize into an array: ${(err as Error).message}`);
      }
      if (!Array.isArray(parsed)) throw new Error("invalid metadata property params: failed to unserialize into an array");
      params = parsed;
    }
    const start = new Date();
    const t0 = performance.now();
    const metadata: Record<string, string> = { operation: req.operation, sql, "start-time": start.toISOString() };
    let data: Buffer | undefined;
    try {
      if (req.operation === "exec") {
        const r = await pool.query({ text: sql, values: params, types });
        metadata["rows-affected"] = String(r.rowCount ?? 0);
      } else {
        const r = await pool.query({ text: sql, values: params, rowMode: "array", types });
        data = Buffer.from(JSON.stringify(r.rows));
      }
    } catch (err) {
      throw new Error(`error executing query: ${(err as Error).message}`);
    }
    metadata["end-time"] = new Date().toISOString();
    metadata["duration"] = goDuration(performance.now() - t0);
    return data ? { data, metadata, contentType: "application/json" } : { metadata };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const p = this.pool;
    this.pool = undefined;
    if (p) await p.end().catch(() => {});
  }
}
