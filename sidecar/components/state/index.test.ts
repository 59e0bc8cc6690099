import { describe, expect, it } from "vitest";
import { testContext } from "../../../test/conformance/state/test-context.js";
import { stateRegistry } from "./index.js";
import { InMemoryStateStore } from "./in-memory/in-memory-state-store.js";
import { PostgresStateStore } from "./postgresql/postgresql-state-store.js";
import { PostgresV2StateStore } from "./postgresql/postgresql-v2-state-store.js";
import { RedisStateStore } from "./redis/redis-state-store.js";
import { SqliteStateStore } from "./sqlite/sqlite-state-store.js";

const create = (type: string, version: string, properties: Record<string, string>) =>
  stateRegistry.create({ ...testContext(type, properties), version });

describe("state registry", () => {
  it("registers every store under Dapr's type names and aliases", () => {
    expect(stateRegistry.knownTypes()).toEqual(["state.in-memory", "state.postgres", "state.postgresql", "state.redis", "state.sqlite", "state.sqlite3"]);
    expect(create("state.in-memory", "v1", {})).toBeInstanceOf(InMemoryStateStore);
    expect(create("state.sqlite", "v1", { connectionString: ":memory:" })).toBeInstanceOf(SqliteStateStore);
    expect(create("state.sqlite3", "", { connectionString: ":memory:" })).toBeInstanceOf(SqliteStateStore);
    expect(create("state.redis", "v1", { redisHost: "localhost:6379" })).toBeInstanceOf(RedisStateStore);
    expect(create("state.postgresql", "v1", { connectionString: "postgres://h/db" })).toBeInstanceOf(PostgresStateStore);
    expect(create("state.postgres", "v1", { connectionString: "postgres://h/db" })).toBeInstanceOf(PostgresStateStore);
    expect(create("state.postgresql", "v2", { connectionString: "postgres://h/db" })).toBeInstanceOf(PostgresV2StateStore);
    expect(create("state.postgres", "v2", { connectionString: "postgres://h/db", tablePrefix: "app_" })).toBeInstanceOf(PostgresV2StateStore);
  });

  it("rejects unknown versions and bad metadata at creation, naming the problem", () => {
    expect(() => create("state.postgresql", "v3", { connectionString: "postgres://h/db" })).toThrow(/unknown version 'v3'/);
    expect(() => create("state.postgresql", "v2", { connectionString: "postgres://h/db", tablePrefix: "bad-" })).toThrow(/tablePrefix/);
    expect(() => create("state.redis", "v1", {})).toThrow(/redisHost/);
    expect(() => create("state.sqlite", "v1", {})).toThrow(/connectionString/);
  });
});
