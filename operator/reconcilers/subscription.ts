// Subscriptions: routing rules whose CEL must compile, and a route to deliver
// to. Watched as v2alpha1 (the storage version). The CRD converts with
// strategy None, so an object written as v1alpha1 keeps its v1 shape (`route`,
// no `routes`) in the v2alpha1 view: it is judged the same way (compileRoutes
// reads both shapes), but its status must be written through v1alpha1, since
// the API server validates the whole object against the version written
// through and v2alpha1 requires `routes`.
import type { Logger } from "../../sidecar/log/logger.js";
import type { Reconciler } from "../controller.js";
import type { Cache } from "../informers.js";
import type { DaprKind } from "../kube-client.js";
import { validateSubscription } from "../validation/resource-validation.js";
import { daprStatusReconciler, type DaprObject, type StatusWriter } from "./dapr-status.js";

export const subscriptionKind: DaprKind = { kind: "Subscription", version: "v2alpha1", plural: "subscriptions" };

export function subscriptionReconciler(cache: Cache<DaprObject>, writer: StatusWriter, logger: Logger, now?: () => Date): Reconciler {
  return daprStatusReconciler({
    name: "subscription", kind: subscriptionKind, cache, writer, logger, now,
    validate: (obj) => validateSubscription(obj as never),
    statusVersion: (obj) => (isV1Shaped(obj) ? "v1alpha1" : "v2alpha1"),
  });
}

/** A Subscription as v1alpha1 stores it: no `spec.routes` (v2alpha1 requires it). */
export function isV1Shaped(obj: DaprObject): boolean {
  const spec = obj.spec as { routes?: unknown } | undefined;
  return !spec || spec.routes === undefined || spec.routes === null;
}
