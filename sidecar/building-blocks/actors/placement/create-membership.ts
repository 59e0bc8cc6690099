// Chooses the placement backend (see ../README.md, "Placement"):
// 1. `--placement-host-address` / DAPR_PLACEMENT_HOST_ADDRESS: `redis://...` or `local`;
// 2. the actor state store's metadata `actorPlacement`: `redis://...`, `redis`
//    (the store's own Redis: `redisHost`, `redisPassword`, `redisDB`) or `local`;
// 3. otherwise `local` (one sidecar alone hosts every actor of its types).
import { prop, type Properties } from "../../../components/component.js";
import type { Logger } from "../../../log/logger.js";
import { LocalMembership } from "./local-membership.js";
import type { Membership } from "./membership.js";
import { RedisMembership } from "./redis-membership.js";

export interface PlacementChoice {
  flag?: string;
  storeType?: string;
  storeProperties?: Properties;
  namespace: string;
  logger: Logger;
}

/** Resolves the placement address; throws on a value it cannot use. */
export function placementAddress(c: Pick<PlacementChoice, "flag" | "storeType" | "storeProperties">): string {
  const raw = (c.flag || (c.storeProperties && prop(c.storeProperties, "actorPlacement")) || "local").trim();
  if (raw === "local") return "local";
  if (raw === "redis") {
    if (c.storeType !== "state.redis" || !c.storeProperties) throw new Error("actorPlacement 'redis' needs the actor state store to be state.redis");
    const host = prop(c.storeProperties, "redisHost") ?? "127.0.0.1:6379";
    const password = prop(c.storeProperties, "redisPassword");
    const db = prop(c.storeProperties, "redisDB") ?? "0";
    return `redis://${password ? `:${encodeURIComponent(password)}@` : ""}${host}/${db}`;
  }
  if (/^rediss?:\/\//.test(raw)) return raw;
  throw new Error(`placement address '${raw}' is not supported: use 'local', 'redis' or a redis:// URL`);
}

export function createMembership(c: PlacementChoice): Membership {
  const address = placementAddress(c);
  if (address === "local") return new LocalMembership();
  return new RedisMembership({ url: address, namespace: c.namespace, logger: c.logger });
}
