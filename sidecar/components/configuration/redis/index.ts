// configuration.redis: items are plain string keys holding `value||version`
// (Dapr's layout). Changes are noticed through Redis keyspace notifications:
// like Dapr, subscribing turns them on with CONFIG SET (we add the K and A
// flags to whatever is set, instead of overwriting it). Each subscription has
// its own subscriber connection, so unsubscribing one never affects another.
import { randomUUID } from "node:crypto";
import { Redis, type RedisOptions } from "ioredis";
import type { ComponentContext } from "../../component.js";
import { redisOptionsFromContext } from "../../lock/redis/redis-options.js";
import {
  deletedItem,
  SubscriptionNotFoundError,
  type ConfigurationItem,
  type ConfigurationStore,
  type ConfigurationUpdateHandler,
  type GetConfigurationRequest,
  type GetConfigurationResponse,
  type SubscribeConfigurationRequest,
} from "../configuration-store.js";
import { keyFromKeyspaceChannel, parseRedisConfigValue, withKeyspaceFlags } from "./redis-value.js";

// Keyspace events that mean the key is gone.
const GONE = new Set(["del", "expired", "evicted"]);

export class RedisConfigurationStore implements ConfigurationStore {
  private client?: Redis;
  private options: RedisOptions = {};
  private readonly subscriptions = new Map<string, { sub: Redis; stop(): void }>();

  constructor(private readonly ctx: ComponentContext) {}

  async init(): Promise<void> {
    this.options = redisOptionsFromContext(this.ctx);
    const client = new Redis(this.options);
    client.on("error", (err: Error) => this.ctx.logger.debug("redis connection error", { error: err.message }));
    try {
      await client.connect();
    } catch (err) {
      client.disconnect();
      throw new Error(`component ${this.ctx.name}: error connecting to redis at ${this.options.host}:${this.options.port}: ${(err as Error).message}`);
    }
    this.client = client;
  }

  private redis(): Redis {
    if (!this.client) throw new Error(`configuration store ${this.ctx.name} is not initialized`);
    return this.client;
  }

  private async allKeys(): Promise<string[]> {
    const keys: string[] = [];
    let cursor = "0";
    do {
      const [next, batch] = await this.redis().scan(cursor, "COUNT", 500);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== "0");
    return keys;
  }

  async get(req: GetConfigurationRequest): Promise<GetConfigurationResponse> {
    const keys = req.keys.length > 0 ? req.keys : await this.allKeys();
    const items: Record<string, ConfigurationItem> = {};
    if (keys.length === 0) return { items };
    const pipeline = this.redis().pipeline();
    for (const k of keys) pipeline.get(k);
    const results = (await pipeline.exec()) ?? [];
    results.forEach(([err, raw], i) => {
      if (err) {
        // Other data types (hashes, lists, ...) are not configuration items; Dapr skips them too.
        if (/WRONGTYPE/.test(err.message)) return;
        throw new Error(`fail to get configuration for redis key=${keys[i]}: ${err.message}`);
      }
      if (typeof raw !== "string") return;
      const item = parseRedisConfigValue(raw);
      if (item.value !== "") items[keys[i]] = item;
    });
    return { items };
  }

  private async enableKeyspaceEvents(): Promise<void> {
    try {
      const [, current] = (await this.redis().config("GET", "notify-keyspace-events")) as [string, string];
      const wanted = withKeyspaceFlags(current ?? "");
      if (wanted !== current) await this.redis().config("SET", "notify-keyspace-events", wanted);
    } catch (err) {
      // Managed Redis often forbids CONFIG; notifications may still be enabled server-side.
      this.ctx.logger.warn("could not enable keyspace notifications; enable notify-keyspace-events KA on the server", { error: (err as Error).message });
    }
  }

  async subscribe(req: SubscribeConfigurationRequest, handler: ConfigurationUpdateHandler): Promise<string> {
    await this.enableKeyspaceEvents();
    const id = randomUUID();
    const db = this.options.db ?? 0;
    const sub = new Redis({ ...this.options, connectionName: `dapr-ts-${this.ctx.name}-sub` });
    sub.on("error", (err: Error) => this.ctx.logger.debug("redis subscriber error", { error: err.message }));

    let active = true;
    const onChange = async (channel: string, operation: string) => {
      // Messages already on the wire may still arrive after unsubscribe.
      if (!active) return;
      const key = keyFromKeyspaceChannel(channel, db);
      if (key === undefined) return;
      try {
        let items: Record<string, ConfigurationItem>;
        if (GONE.has(operation)) items = { [key]: deletedItem() };
        else {
          items = (await this.get({ keys: [key], metadata: req.metadata })).items;
          if (Object.keys(items).length === 0) return;
        }
        await handler({ id, items });
      } catch (err) {
        this.ctx.logger.error("configuration update handler failed", { subscription: id, key, error: (err as Error).message });
      }
    };

    // After a server restart the notification flags may be gone again; set them on every (re)connect.
    sub.on("ready", () => void this.enableKeyspaceEvents());
    try {
      await sub.connect();
      if (req.keys.length === 0) {
        sub.on("pmessage", (_pattern: string, channel: string, op: string) => void onChange(channel, op));
        await sub.psubscribe(`__keyspace@${db}__:*`);
      } else {
        sub.on("message", (channel: string, op: string) => void onChange(channel, op));
        await sub.subscribe(...req.keys.map((k) => `__keyspace@${db}__:${k}`));
      }
    } catch (err) {
      sub.disconnect();
      throw new Error(`configuration store ${this.ctx.name}: cannot subscribe: ${(err as Error).message}`);
    }
    this.subscriptions.set(id, { sub, stop: () => { active = false; sub.removeAllListeners("message"); sub.removeAllListeners("pmessage"); sub.disconnect(); } });
    return id;
  }

  async unsubscribe(id: string): Promise<void> {
    const s = this.subscriptions.get(id);
    if (!s) throw new SubscriptionNotFoundError(id);
    this.subscriptions.delete(id);
    s.stop();
  }

  async close(): Promise<void> {
    for (const s of this.subscriptions.values()) s.stop();
    this.subscriptions.clear();
    const c = this.client;
    this.client = undefined;
    if (c) await c.quit().catch(() => c.disconnect());
  }
}
