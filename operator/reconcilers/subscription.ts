// Subscriptions: routing rules whose CEL must compile, and a route to deliver
// to. Read and written as v2alpha1 (the storage version); v1alpha1 objects
// arrive converted, with `route` kept, and are judged the same way.
import type { Logger } from "../../sidecar/log/logger.js";
import type { Reconciler } from "../controller.js";
import type { Cache } from "../informers.js";
import type { DaprKind } from "../kube-client.js";
import { validateSubscription } from "../validation/resource-validation.js";
import { daprStatusReconciler, type DaprObject, type StatusWriter } from "./dapr-status.js";

export const subscriptionKind: DaprKind = { kind: "Subscription", version: "v2alpha1", plural: "subscriptions" };

export function subscriptionReconciler(cache: Cache<DaprObject>, writer: StatusWriter, logger: Logger, now?: () => Date): Reconciler {
  return daprStatusReconciler({ name: "subscription", kind: subscriptionKind, cache, writer, logger, now, validate: (obj) => validateSubscription(obj as never) });
}
