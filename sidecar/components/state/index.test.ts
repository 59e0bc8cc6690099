import { describe, expect, it } from "vitest";
import { testContext } from "../../../test/conformance/state/test-context.js";
import { services } from "../../../test/support/services.js";
import { stateRegistry } from "./index.js";
import { InMemoryStateStore } from "./in-memory/in-memory-state-store.js";
import { SqliteStateStore } from "./sqlite/sqlite-state-store.js";

const create = (type: string, version: string, properties: Record<string, string>) =>
  stateRegistry.create({ ...testContext(type, properties), version });

describe("state registry", () => {
  it("registers every store under Dapr's type names and aliases", async () => {
    expect(stateRegistry.knownTypes()).toEqual(["state.in-memory", "state.postgres", "state.postgresql", "state.redis", "state.sqlite", "state.sqlite3"]);
    expect(create("state.in-memory", "v1", {})).toBeInstanceOf(InMemoryStateStore);
    expect(create("state.sqlite", "v1", { connectionString: ":memory:" })).toBeInstanceOf(SqliteStateStore);
    expect(create("state.sqlite3", "", { connectionString: ":memory:" })).toBeInstanceOf(SqliteStateStore);
    // Stores with client libraries load them only when initialised: check what they become then.
    const lazyOnes = [
      create("state.redis", "v1", { redisHost: `${services.redis.host}:${services.redis.port}` }),
      create("state.postgresql", "v1", { connectionString: services.postgres.connectionString, tableName: `reg_v1_${process.pid}` }),
      create("state.postgres", "v2", { connectionString: services.postgres.connectionString, tablePrefix: `reg_v2_${process.pid}_` }),
    ];
    expect(lazyOnes.map((s) => typeof s.features)).toEqual(["undefined", "undefined", "undefined"]);
    for (const s of lazyOnes) await s.init();
    expect(lazyOnes.map((s) => s.features().includes("ETAG"))).toEqual([true, true, true]);
    expect(lazyOnes.map((s) => typeof (s as { multi?: unknown }).multi)).toEqual(["function", "function", "function"]);
    expect(typeof (lazyOnes[1] as { query?: unknown }).query).toBe("function");
    for (const s of lazyOnes) await s.close();
    const pg = new (await import("pg")).default.Client({ connectionString: services.postgres.connectionString });
    await pg.connect();
    await pg.query(`DROP TABLE IF EXISTS reg_v1_${process.pid}; DROP TABLE IF EXISTS reg_v2_${process.pid}_state`);
    await pg.end();
  });

  it("rejects unknown versions and bad metadata, naming the problem", async () => {
    expect(() => create("state.postgresql", "v3", { connectionString: "postgres://h/db" })).toThrow(/unknown version 'v3'/);
    await expect(create("state.postgresql", "v2", { connectionString: "postgres://h/db", tablePrefix: "bad-" }).init()).rejects.toThrow(/tablePrefix/);
    await expect(create("state.redis", "v1", {}).init()).rejects.toThrow(/redisHost/);
    expect(() => create("state.sqlite", "v1", {})).toThrow(/connectionString/);
  });
});
