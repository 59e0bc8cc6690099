// configuration.postgresql (alias configuration.postgres): items live in a
// table with KEY, VALUE, VERSION and METADATA (json) columns, as in Dapr.
// Subscriptions LISTEN on the channel named by the subscriber's metadata
// `pgNotifyChannel`; the user installs a trigger that calls pg_notify with
// `{"data": <row as json>, ...}` (Dapr's docs show one). Each subscription
// holds its own connection (LISTEN is per connection), re-established if lost.
import { randomUUID } from "node:crypto";
import pg from "pg";
import { intProp, requiredProp, type ComponentContext } from "../../component.js";
import {
  SubscriptionNotFoundError,
  type ConfigurationItem,
  type ConfigurationStore,
  type ConfigurationUpdateHandler,
  type GetConfigurationRequest,
  type GetConfigurationResponse,
  type SubscribeConfigurationRequest,
} from "../configuration-store.js";
import { NotifyListener } from "./listener.js";

// Dapr's rules: keys and table names are limited to these characters.
const ALLOWED = /^[a-zA-Z0-9./_]*$/;
const MAX_IDENTIFIER = 64;
// LISTEN takes the channel unquoted in Dapr (so Postgres folds it to lower case); only plain identifiers are safe there.
const CHANNEL = /^[A-Za-z_][A-Za-z0-9_]*$/;

function toMetadata(raw: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  let obj = raw;
  if (typeof raw === "string") {
    try { obj = JSON.parse(raw); } catch { return out; }
  }
  if (obj && typeof obj === "object" && !Array.isArray(obj)) {
    for (const [k, v] of Object.entries(obj as Record<string, unknown>)) out[k] = typeof v === "string" ? v : JSON.stringify(v);
  }
  return out;
}

/** A row (any column-name case) as a configuration item. */
export function rowToItem(row: Record<string, unknown>): { key: string; item: ConfigurationItem } | undefined {
  const lower: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) lower[k.toLowerCase()] = v;
  if (typeof lower.key !== "string") return undefined;
  return {
    key: lower.key,
    item: { value: String(lower.value ?? ""), version: String(lower.version ?? ""), metadata: toMetadata(lower.metadata) },
  };
}

export class PostgresConfigurationStore implements ConfigurationStore {
  private pool?: pg.Pool;
  private table = "";
  private connectionString = "";
  private readonly subscriptions = new Map<string, NotifyListener>();

  constructor(private readonly ctx: ComponentContext) {}

  async init(): Promise<void> {
    this.connectionString = requiredProp(this.ctx, "connectionString");
    this.table = requiredProp(this.ctx, "table");
    if (!ALLOWED.test(this.table)) throw new Error(`component ${this.ctx.name}: invalid table name '${this.table}': only letters, digits, '.', '/' and '_' are allowed`);
    if (this.table.length > MAX_IDENTIFIER) throw new Error(`component ${this.ctx.name}: table name '${this.table}' is longer than ${MAX_IDENTIFIER} characters`);
    const timeoutMs = intProp(this.ctx.properties, "connMaxIdleTime", 30) * 1000;
    const pool = new pg.Pool({ connectionString: this.connectionString, idleTimeoutMillis: timeoutMs, max: 5 });
    pool.on("error", (err) => this.ctx.logger.debug("postgres pool error", { error: err.message }));
    try {
      const { rows } = await pool.query<{ exists: boolean }>("SELECT EXISTS (SELECT FROM pg_tables WHERE tablename = $1) AS exists", [this.table]);
      if (!rows[0]?.exists) throw new Error(`postgreSQL configuration table '${this.table}' does not exist`);
    } catch (err) {
      await pool.end().catch(() => {});
      throw new Error(`component ${this.ctx.name}: ${(err as Error).message}`);
    }
    this.pool = pool;
  }

  private db(): pg.Pool {
    if (!this.pool) throw new Error(`configuration store ${this.ctx.name} is not initialized`);
    return this.pool;
  }

  async get(req: GetConfigurationRequest): Promise<GetConfigurationResponse> {
    for (const k of req.keys) if (!ALLOWED.test(k)) throw new Error(`invalid key: '${k}'`);
    const sql = `SELECT key, value, version, metadata FROM ${this.table}` + (req.keys.length > 0 ? " WHERE key = ANY($1)" : "");
    const { rows } = await this.db().query(sql, req.keys.length > 0 ? [req.keys] : []);
    const items: Record<string, ConfigurationItem> = {};
    for (const row of rows) {
      const r = rowToItem(row);
      if (r) items[r.key] = r.item;
    }
    return { items };
  }

  async subscribe(req: SubscribeConfigurationRequest, handler: ConfigurationUpdateHandler): Promise<string> {
    const entry = Object.entries(req.metadata).find(([k]) => k.toLowerCase() === "pgnotifychannel");
    const channel = entry?.[1] ?? "";
    if (!channel) throw new Error(`unable to subscribe to '${this.table}': pgNotifyChannel attribute cannot be empty`);
    if (!CHANNEL.test(channel)) throw new Error(`invalid pgNotifyChannel '${channel}': use letters, digits and '_'`);
    const id = randomUUID();
    const keys = new Set(req.keys);
    const listener = new NotifyListener(this.connectionString, channel, (payload) => void this.notify(id, keys, handler, payload), this.ctx.logger);
    try {
      await listener.start();
    } catch (err) {
      throw new Error(`configuration store ${this.ctx.name}: cannot listen on ${channel}: ${(err as Error).message}`);
    }
    this.subscriptions.set(id, listener);
    return id;
  }

  private async notify(id: string, keys: Set<string>, handler: ConfigurationUpdateHandler, text: string): Promise<void> {
    let payload: unknown;
    try { payload = JSON.parse(text); } catch {
      this.ctx.logger.warn("configuration notification is not JSON", { subscription: id });
      return;
    }
    const data = (payload as { data?: unknown } | null)?.data;
    const r = data && typeof data === "object" ? rowToItem(data as Record<string, unknown>) : undefined;
    if (!r) {
      this.ctx.logger.warn("configuration notification has no 'data' row", { subscription: id });
      return;
    }
    if (keys.size > 0 && !keys.has(r.key)) return;
    try {
      await handler({ id, items: { [r.key]: r.item } });
    } catch (err) {
      this.ctx.logger.error("configuration update handler failed", { subscription: id, key: r.key, error: (err as Error).message });
    }
  }

  async unsubscribe(id: string): Promise<void> {
    const listener = this.subscriptions.get(id);
    if (!listener) throw new SubscriptionNotFoundError(id);
    this.subscriptions.delete(id);
    await listener.stop();
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.subscriptions.keys()].map((id) => this.unsubscribe(id)));
    const p = this.pool;
    this.pool = undefined;
    if (p) await p.end().catch(() => {});
  }
}
