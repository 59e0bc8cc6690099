import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll } from "vitest";
import { SqliteStateStore } from "../../../sidecar/components/state/sqlite/sqlite-state-store.js";
import { runStateConformance } from "./state-conformance.js";
import { testContext } from "./test-context.js";

const dir = mkdtempSync(path.join(os.tmpdir(), "dapr-ts-sqlite-conf-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// QUERY_API is ours, not Dapr's: see sidecar/components/state/sqlite/sqlite-query.ts.
const config = { features: ["ETAG", "TRANSACTIONAL", "QUERY_API", "TTL"] as const, badEtag: "bad-etag", etagOnMissingKey: "mismatch" as const };

runStateConformance("sqlite (file)", () => new SqliteStateStore(testContext("state.sqlite", { connectionString: path.join(dir, "state.db") })), {
  ...config,
  features: [...config.features],
});
runStateConformance("sqlite (:memory:)", () => new SqliteStateStore(testContext("state.sqlite", { connectionString: ":memory:", tableName: "custom_state" })), {
  ...config,
  features: [...config.features],
});
// The embedded default's setting: the file is opened on the first call (sqlite-metadata.ts).
runStateConformance("sqlite (opened on first use)", () => new SqliteStateStore(testContext("state.sqlite", { connectionString: path.join(dir, "first-use.db"), openOnFirstUse: "true" })), {
  ...config,
  features: [...config.features],
});
