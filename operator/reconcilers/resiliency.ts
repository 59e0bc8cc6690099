// Resiliencies: durations, retry settings and circuit-breaker trip expressions
// that the sidecar would refuse.
import type { Logger } from "../../sidecar/log/logger.js";
import type { Reconciler } from "../controller.js";
import type { Cache } from "../informers.js";
import type { DaprKind } from "../kube-client.js";
import { validateResiliency } from "../validation/resource-validation.js";
import { daprStatusReconciler, type DaprObject, type StatusWriter } from "./dapr-status.js";

export const resiliencyKind: DaprKind = { kind: "Resiliency", version: "v1alpha1", plural: "resiliencies" };

export function resiliencyReconciler(cache: Cache<DaprObject>, writer: StatusWriter, logger: Logger, now?: () => Date): Reconciler {
  return daprStatusReconciler({ name: "resiliency", kind: resiliencyKind, cache, writer, logger, now, validate: validateResiliency });
}
