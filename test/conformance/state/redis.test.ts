import { RedisStateStore } from "../../../sidecar/components/state/redis/redis-state-store.js";
import { services } from "../../support/services.js";
import { runStateConformance } from "./state-conformance.js";
import { dropRedisKeys } from "./redis-helpers.js";
import { testContext } from "./test-context.js";

const redisHost = `${services.redis.host}:${services.redis.port}`;

// Dapr's Redis ETags are the hash's numeric `version`; an ETag on a missing key is ignored.
runStateConformance("redis", () => new RedisStateStore(testContext("state.redis", { redisHost })), {
  features: ["ETAG", "TRANSACTIONAL", "TTL"],
  badEtag: "9999999",
  invalidEtag: "not-a-number",
  etagOnMissingKey: "write",
  dropKeys: dropRedisKeys,
});
