import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { services, uniqueName } from "../../../../test/support/services.js";
import { componentContext } from "../../../../test/support/component-context.js";
import { PostgresOutputBinding } from "./index.js";

const ctx = componentContext({ name: "db", type: "bindings.postgresql", properties: { connectionString: services.postgres.connectionString }, appId: "app" });
const table = uniqueName("bind").replace(/-/g, "_");
let b: PostgresOutputBinding;
beforeAll(async () => {
  b = new PostgresOutputBinding(ctx);
  await b.init();
  await b.invoke({ operation: "exec", data: Buffer.alloc(0), metadata: { sql: `CREATE TABLE ${table} (id BIGINT PRIMARY KEY, name TEXT, tags JSONB)` } });
});
afterAll(async () => {
  await b.invoke({ operation: "exec", data: Buffer.alloc(0), metadata: { sql: `DROP TABLE IF EXISTS ${table}` } }).catch(() => {});
  await b.close();
});
const call = (operation: string, metadata: Record<string, string>) => b.invoke({ operation, data: Buffer.alloc(0), metadata });

describe("bindings.postgresql", () => {
  it("exec with params reports rows-affected and timing metadata", async () => {
    const r = await call("exec", { sql: `INSERT INTO ${table} (id, name, tags) VALUES ($1, $2, $3), ($4, $5, $6)`, params: JSON.stringify([1, "one", '{"a":1}', 2, "two", null]) });
    expect(r.metadata).toMatchObject({ operation: "exec", "rows-affected": "2" });
    for (const k of ["sql", "start-time", "end-time", "duration"]) expect(r.metadata).toHaveProperty(k);
  });

  it("query answers a JSON array of rows, each an array of column values", async () => {
    const r = await call("query", { sql: `SELECT id, name, tags FROM ${table} WHERE id <= $1 ORDER BY id`, params: "[2]" });
    expect(JSON.parse(r.data!.toString())).toEqual([[1, "one", { a: 1 }], [2, "two", null]]);
    const none = await call("query", { sql: `SELECT id FROM ${table} WHERE id < 0` });
    expect(none.data?.toString()).toBe("[]");
  });

  it("refuses a missing sql, params that are not a JSON array, and bad SQL", async () => {
    await expect(call("query", {})).rejects.toThrow(/sql/);
    await expect(call("query", { sql: "SELECT 1", params: "{" })).rejects.toThrow(/params/);
    await expect(call("query", { sql: "SELECT 1", params: '{"a":1}' })).rejects.toThrow(/params/);
    await expect(call("exec", { sql: "SELEKT nothing" })).rejects.toThrow(/error executing query/);
  });

  it("accepts url as an alias of connectionString and fails init clearly without either", async () => {
    const aliased = new PostgresOutputBinding({ ...ctx, properties: { url: services.postgres.connectionString } });
    await aliased.init();
    expect((await aliased.invoke({ operation: "query", data: Buffer.alloc(0), metadata: { sql: "SELECT 41 + 1" } })).data?.toString()).toBe("[[42]]");
    await aliased.close();
    await expect(new PostgresOutputBinding({ ...ctx, properties: {} }).init()).rejects.toThrow(/connectionString/);
    await expect(new PostgresOutputBinding({ ...ctx, properties: { connectionString: "postgresql://postgres@127.0.0.1:1/test" } }).init()).rejects.toThrow(/failed to ping/);
  });

  it("close closes the binding; later calls fail, close again is fine", async () => {
    const other = new PostgresOutputBinding(ctx);
    await other.init();
    await other.invoke({ operation: "close", data: Buffer.alloc(0), metadata: {} });
    await expect(other.invoke({ operation: "query", data: Buffer.alloc(0), metadata: { sql: "SELECT 1" } })).rejects.toThrow(/closed/);
    await other.invoke({ operation: "close", data: Buffer.alloc(0), metadata: {} });
  });
});
