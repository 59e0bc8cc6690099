// The query API of the SQLite store against a real (in-memory) database: the
// semantics the builder promises, checked on rows rather than on SQL text.
import Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testContext } from "../../../../test/conformance/state/test-context.js";
import type { Query } from "../state-store.js";
import { SqliteStateStore } from "./sqlite-state-store.js";

const P = "orders-app||";
const set = (store: SqliteStateStore, key: string, value: unknown, metadata: Record<string, string> = {}) =>
  store.set({ key, value: Buffer.isBuffer(value) ? value : Buffer.from(JSON.stringify(value)), metadata, options: {} });

describe("sqlite state store: query API", () => {
  const store = new SqliteStateStore(testContext("state.sqlite", { connectionString: ":memory:" }));
  const keys = async (q: Query, prefix = P) => (await store.query(q, prefix, {})).results.map((r) => r.key.slice(prefix.length));

  beforeAll(async () => {
    await store.init();
    await set(store, `${P}o1`, { customer_id: "c1", created_at: "2026-01-01T10:00:00Z", total: 9, paid: true });
    await set(store, `${P}o2`, { customer_id: "c1", created_at: "2026-03-01T10:00:00Z", total: 10.5, paid: false });
    await set(store, `${P}o3`, { customer_id: "c2", created_at: "2026-02-01T10:00:00Z", total: 100, paid: true });
    await set(store, `${P}o4`, { customer_id: "c1", created_at: "2026-02-01T10:00:00Z", total: "11", note: null });
    await set(store, `${P}o5`, { customer_id: 1, total: 2, person: { org: "Dev Ops" } });
    await set(store, `${P}bin`, Buffer.from([0xff, 0x00, 0x7b]));
    await set(store, `${P}arr`, [1, 2, 3]);
    await set(store, `${P}expired`, { customer_id: "c1", created_at: "2026-09-01T00:00:00Z" }, { ttlInSeconds: "1" });
    // Another app's order for the same customer, sharing the table.
    await set(store, "other-app||o1", { customer_id: "c1", created_at: "2026-12-01T00:00:00Z" });
    // An expired row that the sweep has not removed yet (cleanupInterval is off).
    await new Promise((r) => setTimeout(r, 1100));
  });
  afterAll(() => store.close());

  it("claims QUERY_API", () => {
    expect(store.features()).toContain("QUERY_API");
  });

  it("answers the seed's orders query: one customer, newest first, ties by key, own prefix only, live rows only", async () => {
    const res = await store.query({ filter: { EQ: { customer_id: "c1" } }, sort: [{ key: "created_at", order: "DESC" }], page: { limit: 100 } }, P, {});
    expect(res.results.map((r) => r.key)).toEqual([`${P}o2`, `${P}o4`, `${P}o1`]);
    expect(res.token).toBe("3");
    const first = res.results[0]!;
    expect(JSON.parse(first.data.toString())).toMatchObject({ customer_id: "c1", total: 10.5 });
    expect(first.etag).toBe((await store.get({ key: `${P}o2`, metadata: {} }))?.etag);
  });

  it("compares typed: numbers numerically, strings as strings, booleans and null as such", async () => {
    expect(await keys({ filter: { GT: { total: 9.5 } }, sort: [{ key: "total" }] })).toEqual(["o2", "o3"]);
    expect(await keys({ filter: { LTE: { total: 10 } }, sort: [{ key: "total" }] })).toEqual(["o5", "o1"]);
    expect(await keys({ filter: { EQ: { total: 100.0 } } })).toEqual(["o3"]);
    expect(await keys({ filter: { EQ: { total: "11" } } })).toEqual(["o4"]);
    expect(await keys({ filter: { EQ: { customer_id: 1 } } })).toEqual(["o5"]);
    expect(await keys({ filter: { GTE: { created_at: "2026-02-01T10:00:00Z" } } })).toEqual(["o2", "o3", "o4"]);
    expect(await keys({ filter: { EQ: { paid: false } } })).toEqual(["o2"]);
    expect(await keys({ filter: { NEQ: { paid: false } } })).toEqual(["o1", "o3"]);
  });

  it("matches null against JSON null and missing fields, and NEQ only against present values", async () => {
    // o4 has note: null; every other JSON row lacks the field; the binary row never matches.
    expect(await keys({ filter: { EQ: { note: null } } })).toEqual(["arr", "o1", "o2", "o3", "o4", "o5"]);
    expect(await keys({ filter: { NEQ: { paid: true } } })).toEqual(["o2"]);
    expect(await keys({ filter: { NEQ: { customer_id: "c1" } } })).toEqual(["o3", "o5"]);
    expect(await keys({ filter: { NEQ: { note: null } } })).toEqual([]);
  });

  it("filters nested paths with IN, AND and OR", async () => {
    expect(await keys({ filter: { EQ: { "person.org": "Dev Ops" } } })).toEqual(["o5"]);
    expect(await keys({ filter: { IN: { customer_id: ["c2", 1] } } })).toEqual(["o3", "o5"]);
    expect(await keys({ filter: { AND: [{ EQ: { customer_id: "c1" } }, { EQ: { paid: true } }] } })).toEqual(["o1"]);
    expect(await keys({ filter: { OR: [{ EQ: { customer_id: "c2" } }, { AND: [{ EQ: { customer_id: "c1" } }, { LT: { total: 10 } }] }] } })).toEqual(["o1", "o3"]);
    // A path into a non-object, or the literal "value." prefix, simply does not match.
    expect(await keys({ filter: { EQ: { "customer_id.x": "c1" } } })).toEqual([]);
    expect(await keys({ filter: { EQ: { "value.customer_id": "c1" } } })).toEqual([]);
  });

  it("returns binary values (decoded) when nothing filters, but never matches them", async () => {
    const all = await store.query({}, P, {});
    expect(all.results.map((r) => r.key.slice(P.length))).toEqual(["arr", "bin", "o1", "o2", "o3", "o4", "o5"]);
    expect(all.token).toBeUndefined();
    expect(all.results.find((r) => r.key === `${P}bin`)?.data).toEqual(Buffer.from([0xff, 0x00, 0x7b]));
    expect(await keys({ filter: { NEQ: { customer_id: "zzz" } } })).not.toContain("bin");
  });

  it("sorts by jsonb's type order with missing fields last, and the key as tie-breaker", async () => {
    // total: "11" (string) < numbers 2, 9, 10.5, 100; arr and bin lack it and sort last, by key.
    expect(await keys({ sort: [{ key: "total" }] })).toEqual(["o4", "o5", "o1", "o2", "o3", "arr", "bin"]);
    expect(await keys({ sort: [{ key: "total", order: "DESC" }] })).toEqual(["arr", "bin", "o3", "o2", "o1", "o5", "o4"]);
  });

  it("pages with offset tokens until every row is seen exactly once", async () => {
    const seen: string[] = [];
    let token: string | undefined;
    for (let i = 0; i < 10; i++) {
      const res = await store.query({ sort: [{ key: "customer_id" }], page: { limit: 3, ...(token ? { token } : {}) } }, P, {});
      seen.push(...res.results.map((r) => r.key));
      token = res.token;
      if (res.results.length < 3) break;
    }
    expect(seen).toHaveLength(7);
    expect(new Set(seen).size).toBe(7);
  });

  it("treats the key prefix literally: LIKE/GLOB wildcards and case do not widen it", async () => {
    await set(store, "a_b||x", { k: 1 });
    await set(store, "aXb||x", { k: 1 });
    await set(store, "A_B||x", { k: 1 });
    expect((await store.query({}, "a_b||", {})).results.map((r) => r.key)).toEqual(["a_b||x"]);
    expect((await store.query({}, "a*", {})).results).toEqual([]);
  });

  it("rejects malformed queries with clear errors and leaves the table intact", async () => {
    await expect(store.query({ filter: { EQ: { "x'); DROP TABLE state; --": 1 } } }, P, {})).rejects.toThrow(/invalid filter\.EQ field/);
    await expect(store.query({ filter: { BOGUS: { a: 1 } } as never }, P, {})).rejects.toThrow(/BOGUS/);
    await expect(store.query({ page: { limit: 2, token: "x" } }, P, {})).rejects.toThrow(/token/);
    await expect(store.query({ filter: { EQ: { customer_id: "c1' OR '1'='1" } } }, P, {})).resolves.toEqual({ results: [] });
    expect(await keys({ filter: { EQ: { customer_id: "c2" } } })).toEqual(["o3"]);
  });
});

describe("sqlite state store: query API on rows written by Dapr", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "dapr-ts-sqlite-query-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("queries Dapr's layout, including whole-second expiry times and non-JSON text", async () => {
    const file = path.join(dir, "dapr.db");
    const db = new Database(file);
    db.exec(`CREATE TABLE metadata (key text NOT NULL PRIMARY KEY, value text NOT NULL);
      INSERT INTO metadata VALUES ('migrations', '1');
      CREATE TABLE state (key TEXT NOT NULL PRIMARY KEY, value TEXT NOT NULL, is_binary BOOLEAN NOT NULL,
        etag TEXT NOT NULL, expiration_time TIMESTAMP DEFAULT NULL, update_time TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP);`);
    const ins = db.prepare(`INSERT INTO state (key, value, is_binary, etag, expiration_time) VALUES (?, ?, ?, ?, ?)`);
    ins.run("app||a", '{"n":1}', 0, "e1", null);
    ins.run("app||b", '{"n":2}', 0, "e2", "2999-01-01 00:00:00");
    ins.run("app||c", '{"n":3}', 0, "e3", "2000-01-01 00:00:00");
    // Base64 text that happens to parse as JSON (a number) must still not match: it is binary.
    ins.run("app||d", "1234", 1, "e4", null);
    // A JSON-flagged row whose text is not JSON (hand-edited): no crash, no match.
    ins.run("app||e", "{broken", 0, "e5", null);
    db.close();

    const store = new SqliteStateStore(testContext("state.sqlite", { connectionString: file }));
    await store.init();
    try {
      const res = await store.query({ filter: { GTE: { n: 1 } }, sort: [{ key: "n", order: "DESC" }] }, "app||", {});
      expect(res.results.map((r) => [r.key, r.etag])).toEqual([["app||b", "e2"], ["app||a", "e1"]]);
      expect((await store.query({}, "app||", {})).results.map((r) => r.key)).toEqual(["app||a", "app||b", "app||d", "app||e"]);
    } finally {
      await store.close();
    }
  });
});
