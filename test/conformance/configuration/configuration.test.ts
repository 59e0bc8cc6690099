// One conformance suite for every configuration store: get by key and all,
// subscribe (a change reaches the handler within 1 s), unsubscribe, and bad
// input. Each target seeds and changes items through its own raw client in
// the store's native layout, the way an operator would.
import { Redis } from "ioredis";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../../sidecar/log/logger.js";
import type { ComponentContext, Properties } from "../../../sidecar/components/component.js";
import {
  configurationRegistry,
  SubscriptionNotFoundError,
  type ConfigurationStore,
  type ConfigurationUpdateEvent,
} from "../../../sidecar/components/configuration/index.js";
import { services, uniqueName } from "../../support/services.js";

interface Backend {
  properties: Properties;
  /** Request metadata a subscriber must pass. */
  subscribeMetadata: Record<string, string>;
  /** Whether `get` with no keys returns only this test's items (the Redis DB is shared by everything). */
  getAllIsIsolated: boolean;
  /** What a subscriber gets for a deleted key: an empty item (Redis) or the old row (Postgres trigger). */
  deleteGives: "empty" | "old-row";
  set(key: string, value: string, version: string): Promise<void>;
  del(key: string): Promise<void>;
  close(): Promise<void>;
}

interface Target {
  type: string;
  setup(): Promise<Backend>;
}

const redisTarget: Target = {
  type: "configuration.redis",
  async setup() {
    const raw = new Redis(services.redis.port, services.redis.host);
    return {
      properties: { redisHost: `${services.redis.host}:${services.redis.port}` },
      subscribeMetadata: {},
      getAllIsIsolated: false,
      deleteGives: "empty",
      set: async (k, v, ver) => { await raw.set(k, ver ? `${v}||${ver}` : v); },
      del: async (k) => { await raw.del(k); },
      close: async () => { raw.disconnect(); },
    };
  },
};

const postgresTarget: Target = {
  type: "configuration.postgresql",
  async setup() {
    const table = uniqueName("cfg").replace(/-/g, "_").toLowerCase();
    const channel = `${table}_ch`;
    const raw = new pg.Client({ connectionString: services.postgres.connectionString });
    await raw.connect();
    await raw.query(`CREATE TABLE ${table} (KEY VARCHAR NOT NULL PRIMARY KEY, VALUE VARCHAR NOT NULL, VERSION VARCHAR NOT NULL, METADATA JSON)`);
    // The trigger Dapr's docs ask users to install, sending the row under "data".
    await raw.query(`CREATE FUNCTION ${table}_notify() RETURNS TRIGGER AS $$
      DECLARE data json;
      BEGIN
        IF (TG_OP = 'DELETE') THEN data = row_to_json(OLD); ELSE data = row_to_json(NEW); END IF;
        PERFORM pg_notify('${channel}', json_build_object('table', TG_TABLE_NAME, 'action', TG_OP, 'data', data)::text);
        RETURN NULL;
      END; $$ LANGUAGE plpgsql`);
    await raw.query(`CREATE TRIGGER ${table}_trg AFTER INSERT OR UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE PROCEDURE ${table}_notify()`);
    return {
      properties: { connectionString: services.postgres.connectionString, table },
      subscribeMetadata: { pgNotifyChannel: channel },
      getAllIsIsolated: true,
      deleteGives: "old-row",
      set: async (k, v, ver) => {
        await raw.query(
          `INSERT INTO ${table} (key, value, version, metadata) VALUES ($1, $2, $3, $4)
           ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, version = EXCLUDED.version, metadata = EXCLUDED.metadata`,
          [k, v, ver, JSON.stringify({ source: "conformance" })],
        );
      },
      del: async (k) => { await raw.query(`DELETE FROM ${table} WHERE key = $1`, [k]); },
      close: async () => {
        await raw.query(`DROP TABLE IF EXISTS ${table}`);
        await raw.query(`DROP FUNCTION IF EXISTS ${table}_notify()`);
        await raw.end();
      },
    };
  },
};

function ctx(type: string, properties: Properties): ComponentContext {
  return { name: "config", type, version: "v1", properties, appId: "conformance", namespace: "default", logger: silentLogger };
}

/** Collects update events and lets a test wait for the next one matching a predicate. */
function collector() {
  const events: ConfigurationUpdateEvent[] = [];
  const waiters: { pred: (e: ConfigurationUpdateEvent) => boolean; resolve: (e: ConfigurationUpdateEvent) => void }[] = [];
  return {
    events,
    handler: (e: ConfigurationUpdateEvent) => {
      events.push(e);
      for (const w of [...waiters]) if (w.pred(e)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(e); }
    },
    /** The first event matching `pred` among those from index `from` on (already seen or still to come). */
    next(pred: (e: ConfigurationUpdateEvent) => boolean, timeoutMs: number, from = 0): Promise<ConfigurationUpdateEvent> {
      const seen = events.slice(from).find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no matching update within ${timeoutMs} ms`)), timeoutMs);
        waiters.push({ pred, resolve: (e) => { clearTimeout(t); resolve(e); } });
      });
    },
  };
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// Key names use only characters every store accepts.
const key = (p: string) => uniqueName(p).replace(/-/g, "_");

describe.each([redisTarget, postgresTarget])("configuration conformance: $type", (t) => {
  let backend: Backend;
  let store: ConfigurationStore;

  beforeAll(async () => {
    backend = await t.setup();
    store = configurationRegistry.create(ctx(t.type, backend.properties));
    await store.init();
  });
  afterAll(async () => {
    await store?.close();
    await backend?.close();
  });

  it("gets items by key with value and version; missing keys are left out", async () => {
    const [a, b] = [key("a"), key("b")];
    await backend.set(a, "alpha", "1");
    await backend.set(b, "beta", "7");
    const { items } = await store.get({ keys: [a, b, key("missing")], metadata: {} });
    expect(Object.keys(items).sort()).toEqual([a, b].sort());
    expect(items[a]).toMatchObject({ value: "alpha", version: "1" });
    expect(items[b]).toMatchObject({ value: "beta", version: "7" });
  });

  it("gets every item when no key is given", async () => {
    const c = key("c");
    await backend.set(c, "gamma", "2");
    const { items } = await store.get({ keys: [], metadata: {} });
    expect(items[c]).toMatchObject({ value: "gamma", version: "2" });
    if (backend.getAllIsIsolated) expect(Object.keys(items)).toContain(c);
  });

  it("delivers a change of a subscribed key within 1 s, and nothing for other keys", async () => {
    const [watched, other] = [key("w"), key("o")];
    const col = collector();
    const id = await store.subscribe({ keys: [watched], metadata: backend.subscribeMetadata }, col.handler);
    try {
      await backend.set(other, "ignored", "1");
      await backend.set(watched, "v2", "2");
      const ev = await col.next((e) => watched in e.items, 1000);
      expect(ev.id).toBe(id);
      expect(ev.items[watched]).toMatchObject({ value: "v2", version: "2" });
      await sleep(100);
      expect(col.events.some((e) => other in e.items)).toBe(false);
    } finally {
      await store.unsubscribe(id);
    }
  });

  it("subscribing to no keys delivers every change, deletes included", async () => {
    const k = key("all");
    const col = collector();
    const id = await store.subscribe({ keys: [], metadata: backend.subscribeMetadata }, col.handler);
    try {
      await backend.set(k, "x", "1");
      expect((await col.next((e) => e.items[k]?.value === "x", 1000)).items[k].version).toBe("1");
      const before = col.events.length;
      await backend.del(k);
      const gone = await col.next((e) => k in e.items, 1000, before);
      if (backend.deleteGives === "empty") expect(gone.items[k]).toEqual({ value: "", version: "", metadata: {} });
      else expect(gone.items[k]).toMatchObject({ value: "x", version: "1" });
    } finally {
      await store.unsubscribe(id);
    }
  });

  it("stops delivering after unsubscribe; an unknown id is an error", async () => {
    const k = key("u");
    const col = collector();
    const id = await store.subscribe({ keys: [k], metadata: backend.subscribeMetadata }, col.handler);
    await store.unsubscribe(id);
    await backend.set(k, "late", "1");
    await sleep(300);
    expect(col.events).toHaveLength(0);
    await expect(store.unsubscribe(id)).rejects.toBeInstanceOf(SubscriptionNotFoundError);
  });
});

describe("configuration bad input", () => {
  it("postgresql: subscribing without pgNotifyChannel, bad keys and a missing table fail clearly", async () => {
    const backend = await postgresTarget.setup();
    const store = configurationRegistry.create(ctx("configuration.postgresql", backend.properties));
    try {
      await store.init();
      await expect(store.subscribe({ keys: [], metadata: {} }, () => {})).rejects.toThrow(/pgNotifyChannel/);
      await expect(store.get({ keys: ["x'; DROP TABLE y; --"], metadata: {} })).rejects.toThrow(/invalid key/);
      const missing = configurationRegistry.create(ctx("configuration.postgresql", { ...backend.properties, table: "no_such_table_xyz" }));
      await expect(missing.init()).rejects.toThrow(/does not exist/);
      const badName = configurationRegistry.create(ctx("configuration.postgresql", { ...backend.properties, table: "bad;name" }));
      await expect(badName.init()).rejects.toThrow(/invalid table name/);
    } finally {
      await store.close();
      await backend.close();
    }
  });

  it("redis: init without redisHost fails naming the field", async () => {
    await expect(configurationRegistry.create(ctx("configuration.redis", {})).init()).rejects.toThrow(/redisHost/);
  });
});
