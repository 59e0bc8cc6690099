// Layout compatibility with Dapr's SQLite store: rows written the way Dapr
// writes them read back through our store, and rows we write have Dapr's shape.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { SqliteStateStore } from "../../../sidecar/components/state/sqlite/sqlite-state-store.js";
import { EtagMismatchError } from "../../../sidecar/components/state/state-store.js";
import { setReq } from "./state-conformance.js";
import { testContext } from "./test-context.js";

const dir = mkdtempSync(path.join(os.tmpdir(), "dapr-ts-sqlite-compat-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function daprSchema(db: Database.Database): void {
  // What Dapr's migration 0 leaves behind.
  db.exec(`CREATE TABLE metadata (key text NOT NULL PRIMARY KEY, value text NOT NULL);
    INSERT INTO metadata VALUES ('migrations', '1');
    CREATE TABLE state (key TEXT NOT NULL PRIMARY KEY, value TEXT NOT NULL, is_binary BOOLEAN NOT NULL,
      etag TEXT NOT NULL, expiration_time TIMESTAMP DEFAULT NULL, update_time TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP);`);
}

describe("sqlite: Dapr layout compatibility", () => {
  it("reads rows written by Dapr (JSON text, base64 binary, expired rows hidden)", async () => {
    const file = path.join(dir, "from-dapr.db");
    const db = new Database(file);
    daprSchema(db);
    const ins = db.prepare(`INSERT INTO state (key, value, is_binary, etag, update_time, expiration_time) VALUES (?, ?, ?, ?, CURRENT_TIMESTAMP, ?)`);
    ins.run("app||json", '{"color":"red"}', 0, "etag-json", null);
    ins.run("app||bin", Buffer.from([1, 2, 250]).toString("base64"), 1, "etag-bin", null);
    ins.run("app||expired", '"old"', 0, "etag-old", "2000-01-01 00:00:00");
    ins.run("app||future", '"later"', 0, "etag-later", "2999-01-01 00:00:00");
    db.close();

    const store = new SqliteStateStore(testContext("state.sqlite", { connectionString: `file:${file}?_pragma=busy_timeout(2000)` }));
    await store.init();
    try {
      const json = await store.get({ key: "app||json", metadata: {} });
      expect(json?.data.toString()).toBe('{"color":"red"}');
      expect(json?.etag).toBe("etag-json");
      expect((await store.get({ key: "app||bin", metadata: {} }))?.data).toEqual(Buffer.from([1, 2, 250]));
      expect(await store.get({ key: "app||expired", metadata: {} })).toBeUndefined();
      expect((await store.get({ key: "app||future", metadata: {} }))?.metadata?.["ttlExpireTime"]).toBe("2999-01-01T00:00:00Z");
      // Dapr's ETag works for a conditional write; the expired row does not block a first-write.
      await store.set(setReq("app||json", '{"color":"blue"}', { etag: "etag-json" }));
      await expect(store.set(setReq("app||json", '"x"', { etag: "etag-json" }))).rejects.toBeInstanceOf(EtagMismatchError);
      await store.set(setReq("app||expired", '"new"', { options: { concurrency: "first-write" } }));
      expect((await store.get({ key: "app||expired", metadata: {} }))?.data.toString()).toBe('"new"');
    } finally {
      await store.close();
    }
  });

  it("writes rows in Dapr's layout, with the migration level Dapr expects", async () => {
    const file = path.join(dir, "to-dapr.db");
    const store = new SqliteStateStore(testContext("state.sqlite", { connectionString: file }));
    await store.init();
    await store.set(setReq("app||json", '{"n":1}'));
    await store.set(setReq("app||bin", Buffer.from([0, 255, 128])));
    await store.set(setReq("app||ttl", '"t"', { metadata: { ttlInSeconds: "100" } }));
    await store.close();

    const db = new Database(file, { readonly: true });
    try {
      expect(db.prepare(`SELECT value FROM metadata WHERE key = 'migrations'`).get()).toEqual({ value: "1" });
      const rows = db.prepare(`SELECT key, value, is_binary, etag, expiration_time, update_time FROM state ORDER BY key`).all() as Record<string, unknown>[];
      expect(rows.map((r) => [r["key"], r["value"], r["is_binary"]])).toEqual([
        ["app||bin", Buffer.from([0, 255, 128]).toString("base64"), 1],
        ["app||json", '{"n":1}', 0],
        ["app||ttl", '"t"', 0],
      ]);
      for (const r of rows) {
        expect(r["etag"]).toMatch(/^[0-9a-f-]{36}$/);
        expect(r["update_time"]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
      }
      // Dapr compares expiration_time with CURRENT_TIMESTAMP as text: ours must sort after "now".
      const live = db.prepare(`SELECT count(*) AS n FROM state WHERE key = 'app||ttl' AND expiration_time > CURRENT_TIMESTAMP`).get() as { n: number };
      expect(live.n).toBe(1);
    } finally {
      db.close();
    }
  });
});
