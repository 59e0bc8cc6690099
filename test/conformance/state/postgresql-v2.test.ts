import { PostgresV2StateStore } from "../../../sidecar/components/state/postgresql/postgresql-v2-state-store.js";
import { services } from "../../support/services.js";
import { dropTables, uniqueTable } from "./postgres-helpers.js";
import { runStateConformance } from "./state-conformance.js";
import { testContext } from "./test-context.js";

const tablePrefix = `${uniqueTable("conf_v2")}_`;
const metadataTableName = uniqueTable("conf_v2_meta");

// Dapr's PostgreSQL v2: bytea values (byte-exact JSON), UUID ETags, no query API.
runStateConformance(
  "postgresql v2",
  () => new PostgresV2StateStore(testContext("state.postgresql", { connectionString: services.postgres.connectionString, tablePrefix, metadataTableName })),
  {
    features: ["ETAG", "TRANSACTIONAL", "TTL"],
    badEtag: "e9b9e142-74b1-4a2e-8e90-3f4ffeea2e70",
    invalidEtag: "not-a-uuid",
    etagOnMissingKey: "mismatch",
    dropKeys: () => dropTables(`${tablePrefix}state`, metadataTableName),
  },
);
