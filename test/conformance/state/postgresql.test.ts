import { PostgresStateStore } from "../../../sidecar/components/state/postgresql/postgresql-state-store.js";
import { services } from "../../support/services.js";
import { dropTables, uniqueTable } from "./postgres-helpers.js";
import { runStateConformance } from "./state-conformance.js";
import { testContext } from "./test-context.js";

const tableName = uniqueTable("conf_state");
const metadataTableName = uniqueTable("conf_meta");

// Dapr's PostgreSQL v1: ETags are the row's xmin (numeric), values are jsonb (so JSON is normalized).
runStateConformance(
  "postgresql v1",
  () => new PostgresStateStore(testContext("state.postgresql", { connectionString: services.postgres.connectionString, tableName, metadataTableName })),
  {
    features: ["ETAG", "TRANSACTIONAL", "QUERY_API", "TTL"],
    badEtag: "1",
    invalidEtag: "not-a-number",
    etagOnMissingKey: "mismatch",
    jsonNormalized: true,
    dropKeys: () => dropTables(tableName, metadataTableName),
  },
);
