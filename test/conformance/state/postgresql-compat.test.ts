// Layout compatibility with Dapr's PostgreSQL v1 store: a database Dapr
// migrated and wrote reads back through our store, and what we create and
// write has Dapr's tables, columns, migration level and value encoding.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PostgresStateStore } from "../../../sidecar/components/state/postgresql/postgresql-state-store.js";
import { EtagInvalidError, EtagMismatchError } from "../../../sidecar/components/state/state-store.js";
import { services } from "../../support/services.js";
import { dropTables, uniqueTable } from "./postgres-helpers.js";
import { setReq } from "./state-conformance.js";
import { testContext } from "./test-context.js";

const cs = services.postgres.connectionString;

describe("postgresql v1: Dapr layout compatibility", () => {
  const raw = new pg.Client({ connectionString: cs });
  const fromDapr = { table: uniqueTable("compat_in"), meta: uniqueTable("compat_in_meta") };
  const toDapr = { table: uniqueTable("compat_out"), meta: uniqueTable("compat_out_meta") };
  const store = (t: { table: string; meta: string }, extra: Record<string, string> = {}) =>
    new PostgresStateStore(testContext("state.postgresql", { connectionString: cs, tableName: t.table, metadataTableName: t.meta, ...extra }));

  beforeAll(async () => {
    await raw.connect();
  });
  afterAll(async () => {
    await raw.end();
    await dropTables(fromDapr.table, fromDapr.meta, toDapr.table, toDapr.meta);
  });

  it("reads rows Dapr wrote (JSON, base64 binary, expired), with xmin ETags", async () => {
    // The state of a database after Dapr's two migrations, with rows as Dapr writes them.
    await raw.query(`CREATE TABLE ${fromDapr.meta} (key text NOT NULL PRIMARY KEY, value text NOT NULL)`);
    await raw.query(`INSERT INTO ${fromDapr.meta} VALUES ('migrations', '2')`);
    await raw.query(`CREATE TABLE ${fromDapr.table} (key text NOT NULL PRIMARY KEY, value jsonb NOT NULL, isbinary boolean NOT NULL,
      insertdate TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(), updatedate TIMESTAMP WITH TIME ZONE NULL, expiredate TIMESTAMP WITH TIME ZONE)`);
    await raw.query(`INSERT INTO ${fromDapr.table} (key, value, isbinary, expiredate) VALUES
      ('app||json', '{"color": "red"}', false, NULL),
      ('app||bin', $1::jsonb, true, NULL),
      ('app||old', '"old"', false, now() - interval '1 hour'),
      ('app||later', '"later"', false, '2999-01-01T00:00:00Z')`, [JSON.stringify(Buffer.from([1, 2, 250]).toString("base64"))]);

    const s = store(fromDapr);
    await s.init();
    try {
      const json = await s.get({ key: "app||json", metadata: {} });
      expect(JSON.parse(json!.data.toString())).toEqual({ color: "red" });
      const xmin = (await raw.query<{ x: string }>(`SELECT xmin::text AS x FROM ${fromDapr.table} WHERE key = 'app||json'`)).rows[0]!.x;
      expect(json?.etag).toBe(xmin);
      expect((await s.get({ key: "app||bin", metadata: {} }))?.data).toEqual(Buffer.from([1, 2, 250]));
      expect(await s.get({ key: "app||old", metadata: {} })).toBeUndefined();
      expect((await s.get({ key: "app||later", metadata: {} }))?.metadata?.["ttlExpireTime"]).toBe("2999-01-01T00:00:00Z");
      // Dapr's ETag works; a non-numeric one is invalid; an expired row does not block a first write.
      await expect(s.set(setReq("app||json", '"x"', { etag: "abc" }))).rejects.toBeInstanceOf(EtagInvalidError);
      await s.set(setReq("app||json", '{"color":"blue"}', { etag: xmin }));
      await expect(s.set(setReq("app||json", '"y"', { etag: xmin }))).rejects.toBeInstanceOf(EtagMismatchError);
      await s.set(setReq("app||old", '"new"', { options: { concurrency: "first-write" } }));
      expect((await s.get({ key: "app||old", metadata: {} }))?.data.toString()).toBe('"new"');
      // The migration level was already current: nothing was re-run.
      expect((await raw.query(`SELECT value FROM ${fromDapr.meta} WHERE key = 'migrations'`)).rows[0]).toEqual({ value: "2" });
    } finally {
      await s.close();
    }
  });

  it("creates Dapr's schema and writes Dapr's encoding", async () => {
    const s = store(toDapr);
    await s.init();
    try {
      await s.set(setReq("app||json", '{"n":1}'));
      await s.set(setReq("app||bin", Buffer.from([0, 255, 128])));
      await s.set(setReq("app||ttl", '"t"', { metadata: { ttlInSeconds: "100" } }));
    } finally {
      await s.close();
    }
    expect((await raw.query(`SELECT value FROM ${toDapr.meta} WHERE key = 'migrations'`)).rows[0]).toEqual({ value: "2" });
    const cols = await raw.query<{ column_name: string; data_type: string }>(
      `SELECT column_name, data_type FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position`,
      [toDapr.table],
    );
    expect(cols.rows.map((c) => [c.column_name, c.data_type])).toEqual([
      ["key", "text"],
      ["value", "jsonb"],
      ["isbinary", "boolean"],
      ["insertdate", "timestamp with time zone"],
      ["updatedate", "timestamp with time zone"],
      ["expiredate", "timestamp with time zone"],
    ]);
    const rows = await raw.query(`SELECT key, value, isbinary, expiredate IS NOT NULL AS expires FROM ${toDapr.table} ORDER BY key`);
    expect(rows.rows).toEqual([
      { key: "app||bin", value: Buffer.from([0, 255, 128]).toString("base64"), isbinary: true, expires: false },
      { key: "app||json", value: { n: 1 }, isbinary: false, expires: false },
      { key: "app||ttl", value: "t", isbinary: false, expires: true },
    ]);
  });

  it("creates its own table when another store's migrations already reached the shared metadata table's level", async () => {
    // Two v1 stores, own tableName each, default-style shared metadata table: the level key is per metadata table.
    const second = { table: uniqueTable("compat_second"), meta: toDapr.meta };
    const first = store(toDapr);
    await first.init();
    await first.close();
    const s = store(second);
    try {
      await s.init();
      await s.set(setReq("app||k", '"v"', { metadata: { ttlInSeconds: "100" } }));
      expect((await s.get({ key: "app||k", metadata: {} }))?.data?.toString()).toBe('"v"');
      expect((await raw.query(`SELECT value FROM ${second.meta} WHERE key = 'migrations'`)).rows[0]).toEqual({ value: "2" });
    } finally {
      await s.close();
      await dropTables(second.table);
    }
  });

  it("garbage-collects expired rows once per interval across sidecars", async () => {
    const s = store(toDapr, { cleanupInterval: "1h" });
    await s.init();
    try {
      await raw.query(`INSERT INTO ${toDapr.table} (key, value, isbinary, expiredate) VALUES ('app||gone', '"x"', false, now() - interval '1 minute')`);
      await raw.query(`DELETE FROM ${toDapr.meta} WHERE key = 'last-cleanup'`);
      expect(await s.cleanupExpired()).toBe(1);
      // Another sidecar within the same interval finds the claim taken.
      await raw.query(`INSERT INTO ${toDapr.table} (key, value, isbinary, expiredate) VALUES ('app||gone2', '"x"', false, now() - interval '1 minute')`);
      expect(await s.cleanupExpired()).toBe(0);
    } finally {
      await s.close();
    }
  });

  it("fails init with a clear error when the database is unreachable", async () => {
    const bad = new PostgresStateStore(testContext("state.postgresql", { connectionString: "postgresql://postgres@127.0.0.1:1/test", timeout: "2s" }));
    await expect(bad.init()).rejects.toThrow(/cannot initialize PostgreSQL state store/);
    await bad.close();
  });
});
