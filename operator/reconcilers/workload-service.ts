// Deployments and StatefulSets annotated `dapr.io/enabled: "true"` get their
// headless `<app-id>-dapr` Service; it goes when the annotation goes (and,
// through its ownerReference, when the workload is deleted). Keys are
// "<Kind>/<namespace>/<name>"; Service events are mapped back to their owner.
//   1. read the workload from the cache (gone: garbage collection removes the Service);
//   2. compute the desired Service (none when not annotated);
//   3. delete managed Services of this workload that are not the desired one
//      (the annotation went, or the app-id changed);
//   4. create the desired Service, or update it where it drifted.
import type { KubernetesObject, V1Service } from "@kubernetes/client-node";
import type { Logger } from "../../sidecar/log/logger.js";
import type { ReconcileResult, Reconciler } from "../controller.js";
import type { Cache } from "../informers.js";
import { statusOf } from "../kube-client.js";
import { operatorMetrics } from "../metrics.js";
import { appIdOf, desiredDaprService, isDaprEnabled, serviceUpdate, type Workload } from "./dapr-service.js";

export const workloadKinds = ["Deployment", "StatefulSet"] as const;
export type WorkloadKind = (typeof workloadKinds)[number];

export interface ServiceWriter {
  createService(namespace: string, body: V1Service): Promise<V1Service>;
  replaceService(namespace: string, name: string, body: V1Service): Promise<V1Service>;
  deleteService(namespace: string, name: string): Promise<void>;
}

export interface WorkloadServiceOptions {
  workloads: Record<WorkloadKind, Cache<Workload & KubernetesObject>>;
  /** Only the Services this operator manages (label-selected). */
  services: Cache<V1Service>;
  writer: ServiceWriter;
  logger: Logger;
}

export function workloadKey(kind: string, obj: KubernetesObject): string {
  return `${kind}/${obj.metadata?.namespace ?? ""}/${obj.metadata?.name ?? ""}`;
}

/** The workload key a managed Service belongs to, if its owner is a Deployment or StatefulSet. */
export function ownerKeyOf(svc: V1Service): string | undefined {
  const owner = svc.metadata?.ownerReferences?.find((o) => o.controller && (workloadKinds as readonly string[]).includes(o.kind));
  return owner ? `${owner.kind}/${svc.metadata?.namespace ?? ""}/${owner.name}` : undefined;
}

export function workloadServiceReconciler(opts: WorkloadServiceOptions): Reconciler {
  const { services, writer, logger } = opts;
  return {
    name: "workload-service",
    keys: () => workloadKinds.flatMap((kind) => opts.workloads[kind].list().map((w) => workloadKey(kind, w))),
    async reconcile(key: string): Promise<ReconcileResult | void> {
      const [kind, namespace, name] = key.split("/") as [WorkloadKind, string, string];
      // 1. The workload, from the cache.
      const cache = opts.workloads[kind];
      const workload = cache?.get(name, namespace);
      if (!workload?.metadata?.uid) return;
      const withKind: Workload = { ...workload, apiVersion: "apps/v1", kind };
      // 2. What should exist.
      const desired = isDaprEnabled(withKind) ? desiredDaprService(withKind) : undefined;
      const appId = appIdOf(withKind);
      // 3. Remove what this workload no longer needs.
      const owned = services.list(namespace).filter((s) => s.metadata?.ownerReferences?.some((o) => o.uid === workload.metadata!.uid));
      for (const svc of owned) {
        if (desired && svc.metadata?.name === desired.metadata!.name) continue;
        await writer.deleteService(namespace, svc.metadata!.name!);
        operatorMetrics.serviceDeleted.inc({ app_id: svc.metadata?.annotations?.["dapr.io/app-id"] ?? appId });
        logger.info("deleted dapr service", { service: `${namespace}/${svc.metadata!.name}`, workload: key });
      }
      if (!desired) return;
      // 4. Create or bring up to date.
      const svcName = desired.metadata!.name!;
      const existing = services.get(svcName, namespace);
      if (!existing) {
        try {
          await writer.createService(namespace, desired);
        } catch (err) {
          // Already there but not in our label-selected cache: someone else's Service of that name.
          if (statusOf(err) === 409) {
            logger.warn("a Service named like the dapr service exists and is not managed by the operator; leaving it", { service: `${namespace}/${svcName}`, workload: key });
            return;
          }
          throw err;
        }
        operatorMetrics.serviceCreated.inc({ app_id: appId });
        logger.info("created dapr service", { service: `${namespace}/${svcName}`, workload: key });
        return;
      }
      // Two workloads with one app-id would take the Service from each other forever: the first owner keeps it.
      const otherOwner = existing.metadata?.ownerReferences?.find((o) => o.controller && o.uid !== workload.metadata!.uid);
      if (otherOwner) {
        logger.warn("the dapr service belongs to another workload with the same app-id; leaving it", { service: `${namespace}/${svcName}`, workload: key, owner: `${otherOwner.kind}/${otherOwner.name}` });
        return;
      }
      const update = serviceUpdate(existing, desired);
      if (!update) return;
      await writer.replaceService(namespace, svcName, update);
      operatorMetrics.serviceUpdated.inc({ app_id: appId });
      logger.info("updated dapr service", { service: `${namespace}/${svcName}`, workload: key });
    },
  };
}
