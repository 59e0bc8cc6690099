import { describe, expect, it } from "vitest";
import { testContext } from "../../../../test/conformance/state/test-context.js";
import { connectionConfig, parsePostgresMetadata } from "./postgresql-metadata.js";

const md = (p: Record<string, string>) => parsePostgresMetadata(testContext("state.postgresql", p));

describe("postgresql state metadata", () => {
  it("applies Dapr's defaults and aliases", () => {
    expect(md({ connectionString: "postgres://u@h/db" })).toMatchObject({
      tableName: "state",
      metadataTableName: "dapr_metadata",
      timeoutMs: 20_000,
      cleanupIntervalMs: 3_600_000,
    });
    expect(md({ connectionString: "postgres://u@h/db", timeoutInSeconds: "5", cleanupIntervalInSeconds: "0", tableName: "s1.state" })).toMatchObject({
      tableName: "s1.state",
      timeoutMs: 5000,
      cleanupIntervalMs: 0,
    });
  });

  it("translates libpq key=value connection strings", () => {
    expect(connectionConfig("host=db port=5433 user=dapr password='p w' dbname=app sslmode=disable", "c")).toEqual({
      host: "db",
      port: 5433,
      user: "dapr",
      password: "p w",
      database: "app",
    });
    expect(() => connectionConfig("this is not a connection string", "c")).toThrow(/connectionString/);
  });

  it("rejects bad input naming the field", () => {
    expect(() => md({})).toThrow(/connectionString/);
    expect(() => md({ connectionString: "postgres://h/db", tableName: "x; DROP TABLE y" })).toThrow(/tableName/);
    expect(() => md({ connectionString: "postgres://h/db", timeout: "500ms" })).toThrow(/timeout/);
  });
});
