// openOnFirstUse (the embedded default's setting): init does not touch the file;
// the first call opens it, a failed open fails only that call, and a closed store stays closed.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { testContext } from "../../../../test/conformance/state/test-context.js";
import { SqliteStateStore } from "./sqlite-state-store.js";

const dir = mkdtempSync(path.join(os.tmpdir(), "dapr-ts-sqlite-first-use-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const store = (file: string, extra: Record<string, string> = {}) =>
  new SqliteStateStore(testContext("state.sqlite", { connectionString: file, openOnFirstUse: "true", ...extra }));
const value = (v: unknown) => Buffer.from(JSON.stringify(v));

describe("sqlite state store opened on first use", () => {
  it("creates no file at init, and opens it on the first call", async () => {
    const file = path.join(dir, "a.db");
    const s = store(file);
    await s.init();
    expect(existsSync(file)).toBe(false);
    expect(await s.get({ key: "k", metadata: {} })).toBeUndefined();
    expect(existsSync(file)).toBe(true);
    await s.set({ key: "k", value: value({ n: 1 }), metadata: {}, options: {} });
    expect(JSON.parse(String((await s.get({ key: "k", metadata: {} }))!.data))).toEqual({ n: 1 });
    await s.close();
  });

  it("fails a call whose open fails, naming the file, and opens on a later call once it can", async () => {
    const sub = path.join(dir, "later");
    const file = path.join(sub, "b.db");
    const s = store(file);
    await s.init();
    await expect(s.set({ key: "k", value: value(1), metadata: {}, options: {} })).rejects.toThrow(/cannot open SQLite database '.*b\.db': .*directory does not exist/);
    mkdirSync(sub);
    await s.multi([{ operation: "upsert", request: { key: "k", value: value(2), metadata: {}, options: {} } }]);
    expect(JSON.parse(String((await s.get({ key: "k", metadata: {} }))!.data))).toBe(2);
    await s.close();
  });

  it("does not reopen once closed, even if it was never opened", async () => {
    const s = store(path.join(dir, "c.db"));
    await s.init();
    await s.close();
    await expect(s.get({ key: "k", metadata: {} })).rejects.toThrow(/not initialized or already closed/);
    expect(existsSync(path.join(dir, "c.db"))).toBe(false);
  });

  it("opens at init when not asked to wait (Dapr's behaviour)", async () => {
    const file = path.join(dir, "d.db");
    const s = new SqliteStateStore(testContext("state.sqlite", { connectionString: file }));
    await s.init();
    expect(existsSync(file)).toBe(true);
    await s.close();
  });
});
