import { describe, expect, it } from "vitest";
import { testContext } from "../../../../test/conformance/state/test-context.js";
import { parseConnectionString, parseSqliteMetadata } from "./sqlite-metadata.js";

describe("sqlite metadata", () => {
  it("reads plain paths, :memory: and file: URIs", () => {
    expect(parseConnectionString(":memory:")).toEqual({ filename: ":memory:", readonly: false });
    expect(parseConnectionString("data.db")).toEqual({ filename: "data.db", readonly: false });
    expect(parseConnectionString("file:data.db?_pragma=busy_timeout(5000)&_txlock=immediate")).toEqual({ filename: "data.db", readonly: false });
    expect(parseConnectionString("file:/tmp/x.db?mode=ro")).toEqual({ filename: "/tmp/x.db", readonly: true });
    expect(parseConnectionString("file::memory:?cache=shared")).toEqual({ filename: ":memory:", readonly: false });
    expect(parseConnectionString("file:foo?mode=memory")).toEqual({ filename: ":memory:", readonly: false });
  });

  it("applies Dapr's defaults and parses durations", () => {
    const md = parseSqliteMetadata(testContext("state.sqlite", { connectionString: ":memory:", timeout: "5s", cleanupInterval: "1m", busyTimeout: "250ms" }));
    expect(md).toMatchObject({ tableName: "state", metadataTableName: "metadata", timeoutMs: 5000, cleanupIntervalMs: 60_000, busyTimeoutMs: 250, openOnFirstUse: false });
    expect(parseSqliteMetadata(testContext("state.sqlite", { connectionString: "x.db", timeoutInSeconds: "3" })).timeoutMs).toBe(3000);
  });

  it("rejects bad input with errors naming the field", () => {
    expect(() => parseSqliteMetadata(testContext("state.sqlite", {}))).toThrow(/connectionString/);
    expect(() => parseSqliteMetadata(testContext("state.sqlite", { connectionString: "x.db", tableName: "bad; DROP TABLE x" }))).toThrow(/tableName/);
    expect(() => parseSqliteMetadata(testContext("state.sqlite", { connectionString: "x.db", timeout: "soon" }))).toThrow(/timeout/);
    expect(() => parseSqliteMetadata(testContext("state.sqlite", { connectionString: "x.db", tableName: "t", metadataTableName: "t" }))).toThrow(/differ/);
  });
});
