// In Kubernetes mode daprd has a secret store named `kubernetes` without any
// YAML (unless --disable-builtin-k8s-secret-store), and it is the default
// store for `secretKeyRef`s of Components that name no `auth.secretStore`.
import type { ComponentResource, Sourced } from "../resources/types.js";

export const BUILTIN_SECRET_STORE = "kubernetes";

export function builtinSecretStore(namespace: string): Sourced<ComponentResource> {
  return {
    source: "built-in kubernetes secret store",
    resource: {
      apiVersion: "dapr.io/v1alpha1",
      kind: "Component",
      metadata: { name: BUILTIN_SECRET_STORE, namespace },
      // A failure to start it must not stop the sidecar; it shows in failedComponents instead.
      spec: { type: "secretstores.kubernetes", version: "v1", ignoreErrors: true },
    },
  };
}
