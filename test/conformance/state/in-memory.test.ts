import { InMemoryStateStore } from "../../../sidecar/components/state/in-memory/in-memory-state-store.js";
import { runStateConformance } from "./state-conformance.js";
import { testContext } from "./test-context.js";

// Dapr's in-memory store: ETags are UUIDs (any string may be one), so there is no "invalid" ETag.
runStateConformance("in-memory", () => new InMemoryStateStore(testContext("state.in-memory", {})), {
  features: ["ETAG", "TRANSACTIONAL", "TTL"],
  badEtag: "bad-etag",
  etagOnMissingKey: "mismatch",
});
