// Configurations: every field the sidecar parses (sampling rates, metric
// rules, API allow lists, ...).
import type { Logger } from "../../sidecar/log/logger.js";
import type { Reconciler } from "../controller.js";
import type { Cache } from "../informers.js";
import type { DaprKind } from "../kube-client.js";
import { validateConfiguration } from "../validation/resource-validation.js";
import { daprStatusReconciler, type DaprObject, type StatusWriter } from "./dapr-status.js";

export const configurationKind: DaprKind = { kind: "Configuration", version: "v1alpha1", plural: "configurations" };

export function configurationReconciler(cache: Cache<DaprObject>, writer: StatusWriter, logger: Logger, now?: () => Date): Reconciler {
  return daprStatusReconciler({ name: "configuration", kind: configurationKind, cache, writer, logger, now, validate: validateConfiguration });
}
