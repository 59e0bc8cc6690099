// Layout compatibility with Dapr's PostgreSQL v2 store: `<tablePrefix>state`
// with bytea values and uuid ETags, migration key 'migrations-state-v2-<prefix>'.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PostgresV2StateStore } from "../../../sidecar/components/state/postgresql/postgresql-v2-state-store.js";
import { EtagInvalidError, EtagMismatchError } from "../../../sidecar/components/state/state-store.js";
import { services } from "../../support/services.js";
import { dropTables, uniqueTable } from "./postgres-helpers.js";
import { setReq } from "./state-conformance.js";
import { testContext } from "./test-context.js";

const cs = services.postgres.connectionString;

describe("postgresql v2: Dapr layout compatibility", () => {
  const raw = new pg.Client({ connectionString: cs });
  const inPrefix = `${uniqueTable("v2in")}_`;
  const outPrefix = `${uniqueTable("v2out")}_`;
  const meta = uniqueTable("v2_meta");
  const store = (tablePrefix: string) => new PostgresV2StateStore(testContext("state.postgresql", { connectionString: cs, tablePrefix, metadataTableName: meta }));

  beforeAll(async () => {
    await raw.connect();
  });
  afterAll(async () => {
    await raw.end();
    await dropTables(`${inPrefix}state`, `${outPrefix}state`, meta);
  });

  it("reads rows Dapr wrote and honours their uuid ETags", async () => {
    await raw.query(`CREATE TABLE ${meta} (key text NOT NULL PRIMARY KEY, value text NOT NULL)`);
    await raw.query(`INSERT INTO ${meta} VALUES ($1, '1')`, [`migrations-state-v2-${inPrefix}`]);
    await raw.query(`CREATE TABLE ${inPrefix}state (key text NOT NULL PRIMARY KEY, value bytea NOT NULL, etag uuid NOT NULL DEFAULT gen_random_uuid(),
      created_at timestamp with time zone NOT NULL DEFAULT now(), updated_at timestamp with time zone, expires_at timestamp with time zone);
      CREATE INDEX ON ${inPrefix}state (expires_at);`);
    await raw.query(`INSERT INTO ${inPrefix}state (key, value, expires_at) VALUES ('app||k', $1, NULL), ('app||old', $2, now() - interval '1 minute')`, [
      Buffer.from('{"a": 1,  "b":2}'),
      Buffer.from("old"),
    ]);
    const s = store(inPrefix);
    await s.init();
    try {
      const got = await s.get({ key: "app||k", metadata: {} });
      expect(got?.data.toString()).toBe('{"a": 1,  "b":2}');
      const etag = (await raw.query<{ e: string }>(`SELECT etag::text AS e FROM ${inPrefix}state WHERE key = 'app||k'`)).rows[0]!.e;
      expect(got?.etag).toBe(etag);
      expect(await s.get({ key: "app||old", metadata: {} })).toBeUndefined();
      await expect(s.set(setReq("app||k", '"x"', { etag: "123" }))).rejects.toBeInstanceOf(EtagInvalidError);
      await s.set(setReq("app||k", '"y"', { etag }));
      await expect(s.delete({ key: "app||k", etag, metadata: {}, options: {} })).rejects.toBeInstanceOf(EtagMismatchError);
    } finally {
      await s.close();
    }
  });

  it("creates Dapr's v2 table and migration key, storing raw bytes", async () => {
    const s = store(outPrefix);
    await s.init();
    try {
      await s.set(setReq("app||bin", Buffer.from([0, 255, 7])));
    } finally {
      await s.close();
    }
    expect((await raw.query(`SELECT value FROM ${meta} WHERE key = $1`, [`migrations-state-v2-${outPrefix}`])).rows[0]).toEqual({ value: "1" });
    const row = (await raw.query(`SELECT value, etag::text AS etag FROM ${outPrefix}state WHERE key = 'app||bin'`)).rows[0];
    expect(row.value).toEqual(Buffer.from([0, 255, 7]));
    expect(row.etag).toMatch(/^[0-9a-f-]{36}$/);
    const idx = await raw.query(`SELECT indexname FROM pg_indexes WHERE tablename = $1 AND indexname LIKE '%expires_at%'`, [`${outPrefix}state`]);
    expect(idx.rowCount).toBe(1);
  });
});
