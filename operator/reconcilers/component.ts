// Components: known type and version, required metadata, initTimeout, and
// secretKeyRefs that resolve to Kubernetes Secrets.
import type { Logger } from "../../sidecar/log/logger.js";
import type { Reconciler } from "../controller.js";
import type { Cache } from "../informers.js";
import type { DaprKind } from "../kube-client.js";
import { validateComponent, type ComponentObject, type SecretKeysLookup } from "../validation/component-validation.js";
import { daprStatusReconciler, type DaprObject, type StatusWriter } from "./dapr-status.js";

export const componentKind: DaprKind = { kind: "Component", version: "v1alpha1", plural: "components" };

export function componentReconciler(cache: Cache<DaprObject>, writer: StatusWriter & { secretKeys: SecretKeysLookup }, logger: Logger, now?: () => Date): Reconciler {
  const lookup: SecretKeysLookup = (ns, name) => writer.secretKeys(ns, name);
  return daprStatusReconciler({ name: "component", kind: componentKind, cache, writer, logger, now, validate: (obj) => validateComponent(obj as ComponentObject, lookup) });
}
