// The demo's resources: the seed's component names on the embedded default,
// and the seed's resiliency.yaml exactly as written.
import { readFileSync } from "node:fs";
import path from "node:path";
import { repoRoot } from "../test/support/sidecar-process.js";
export function demoComponentsYaml(dbFile: string): string {
  return `apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: orders-store
spec:
  type: state.sqlite
  version: v1
  metadata:
    - name: connectionString
      value: "${dbFile}"
    - name: actorStateStore
      value: "true"
---
apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: order-pubsub
spec:
  type: pubsub.in-memory
  version: v1
  metadata: []
`;
}

/** The seed's resiliency.yaml, unchanged (demo/seed/resiliency.yaml; tests load it too). */
export const seedResiliencyPath = path.join(repoRoot, "demo/seed/resiliency.yaml");
export const seedResiliencyYaml = readFileSync(seedResiliencyPath, "utf8");
