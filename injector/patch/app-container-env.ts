// Tells each app container where its sidecar listens (DAPR_HTTP_PORT,
// DAPR_GRPC_PORT, APP_PROTOCOL), as Dapr's injector does. Variables the
// container already sets are left alone: the user's value wins.
import type { V1Container, V1EnvVar } from "@kubernetes/client-node";
import { add, type JsonPatchOp } from "./json-patch.js";

export function appEnvVars(httpPort: number, grpcPort: number, appProtocol: string): V1EnvVar[] {
  return [
    { name: "DAPR_HTTP_PORT", value: String(httpPort) },
    { name: "DAPR_GRPC_PORT", value: String(grpcPort) },
    { name: "APP_PROTOCOL", value: appProtocol },
  ];
}

export function appContainerEnvPatch(containers: V1Container[], vars: V1EnvVar[], basePath = "/spec/containers"): JsonPatchOp[] {
  const ops: JsonPatchOp[] = [];
  containers.forEach((c, i) => {
    const existing = c.env ?? [];
    const names = new Set(existing.map((e) => e.name));
    const missing = vars.filter((v) => !names.has(v.name));
    if (missing.length === 0) return;
    // `/env/-` fails when the array is absent, so a container without env gets the whole array.
    if (!Array.isArray(c.env)) {
      ops.push(add(`${basePath}/${i}/env`, missing));
      return;
    }
    for (const v of missing) ops.push(add(`${basePath}/${i}/env/-`, v));
  });
  return ops;
}
