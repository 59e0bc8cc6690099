// Chooses the placement backend (see ../README.md, "Placement"):
// 1. `--placement-host-address` / DAPR_PLACEMENT_HOST_ADDRESS: `redis://...`, `kubernetes` or `local`;
// 2. the actor state store's metadata `actorPlacement`: `redis://...`, `redis`
//    (the store's own Redis: `redisHost`, `redisPassword`, `redisDB`), `kubernetes` or `local`;
// 3. otherwise `kubernetes` in Kubernetes mode (Leases in the pod's namespace),
//    and `local` elsewhere (one sidecar alone hosts every actor of its types).
import os from "node:os";
import type { KubeConfig } from "@kubernetes/client-node";
import { prop, type Properties } from "../../../components/component.js";
import { redisConnection, redisUrl } from "../../../components/redis-connection.js";
import type { Logger } from "../../../log/logger.js";
import { LazyMembership } from "./lazy-membership.js";
import { LocalMembership } from "./local-membership.js";
import type { Membership } from "./membership.js";

export interface PlacementChoice {
  flag?: string;
  storeType?: string;
  storeProperties?: Properties;
  /** --mode: `kubernetes` makes Leases the default. */
  mode?: string;
  namespace: string;
  logger: Logger;
  /** POD_NAME (names this host's Lease). */
  podName?: string;
  /** Tests: a KubeConfig instead of KUBECONFIG / the pod's service account. */
  kubeConfig?: KubeConfig;
  /** Where POD_UID, POD_IP and DAPR_HOST_IP are read (default process.env). */
  env?: Record<string, string | undefined>;
}

/** Resolves the placement address; throws on a value it cannot use. */
export function placementAddress(c: Pick<PlacementChoice, "flag" | "storeType" | "storeProperties" | "mode">): string {
  const fallback = c.mode === "kubernetes" ? "kubernetes" : "local";
  const raw = (c.flag || (c.storeProperties && prop(c.storeProperties, "actorPlacement")) || fallback).trim();
  if (raw === "local" || raw === "kubernetes") return raw;
  if (raw === "redis") {
    if (c.storeType !== "state.redis" || !c.storeProperties) throw new Error("actorPlacement 'redis' needs the actor state store to be state.redis");
    // The store's own connection metadata, read as the store reads it (user, TLS, IPv6 and all).
    return redisUrl(redisConnection({ name: "actor state store", type: c.storeType, properties: c.storeProperties }));
  }
  if (/^rediss?:\/\//.test(raw)) return raw;
  throw new Error(`placement address '${raw}' is not supported: use 'local', 'kubernetes', 'redis' or a redis:// URL`);
}

export function createMembership(c: PlacementChoice): Membership {
  const address = placementAddress(c);
  if (address === "local") return new LocalMembership();
  if (address === "kubernetes") {
    const env = c.env ?? process.env;
    // The Kubernetes client is imported on the first join (it is slow to load).
    return new LazyMembership(`kubernetes leases in namespace ${c.namespace}`, async () => {
      const [{ KubernetesMembership }, { loadKubeConfig }] = await Promise.all([
        import("./kubernetes-membership.js"),
        import("../../../kubernetes/kubernetes-resources.js"),
      ]);
      return new KubernetesMembership({
        kubeConfig: c.kubeConfig ?? loadKubeConfig(),
        namespace: c.namespace,
        logger: c.logger,
        podName: c.podName,
        podUid: env["POD_UID"] || undefined,
        advertiseHost: c.mode === "kubernetes" && !env["DAPR_HOST_IP"] ? env["POD_IP"] || podAddress() : undefined,
      });
    });
  }
  // ioredis, too, is imported on the first join: the embedded default (local placement) never loads it.
  return new LazyMembership(`redis ${address.replace(/\/\/[^@/]*@/, "//***@")}`, async () => {
    const { RedisMembership } = await import("./redis-membership.js");
    return new RedisMembership({ url: address, namespace: c.namespace, logger: c.logger });
  });
}

/**
 * In a pod without DAPR_HOST_IP the actor runtime would advertise a loopback
 * address, which no other pod can reach: use the pod's own address instead.
 */
function podAddress(): string | undefined {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const i of list ?? []) if (!i.internal && i.family === "IPv4") return i.address;
  }
  return undefined;
}
