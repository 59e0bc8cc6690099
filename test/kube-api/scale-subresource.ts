// The `/scale` subresource of workloads: an autoscaling/v1 Scale view of
// spec.replicas, used by `kubectl scale` and autoscalers. Writes go through
// the main resource's update (so its admission sees an UPDATE of the
// workload, a simplification: the real server admits a Scale object).
import type { KubeApiCore, Target, WriteResult } from "./api-core.js";
import type { KubeObject } from "./object-store.js";
import { applyJsonPatch, applyMergePatch, type PatchKind } from "./patch.js";
import { statusErrors } from "./status.js";

type Obj = Record<string, unknown>;

function selectorString(sel: unknown): string {
  const s = (sel ?? {}) as { matchLabels?: Record<string, string> };
  return Object.entries(s.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(",");
}

export function toScale(obj: KubeObject): KubeObject {
  const spec = (obj.spec ?? {}) as Obj;
  const status = (obj.status ?? {}) as Obj;
  const { name, namespace, uid, resourceVersion, creationTimestamp } = obj.metadata;
  return {
    apiVersion: "autoscaling/v1",
    kind: "Scale",
    metadata: { name, namespace, uid, resourceVersion, creationTimestamp },
    spec: { replicas: spec.replicas ?? 1 },
    status: { replicas: status.replicas ?? 0, selector: selectorString(spec.selector) },
  };
}

function mainTarget(target: Target): Target {
  return { ...target, subresource: undefined };
}

export function getScale(core: KubeApiCore, target: Target): KubeObject {
  return toScale(core.get(mainTarget(target)));
}

/** PUT (a Scale body) or PATCH (a patch of the Scale) of /scale. */
export async function writeScale(core: KubeApiCore, target: Target, change: { scale: KubeObject } | { kind: PatchKind; body: string }, dryRun: boolean): Promise<WriteResult> {
  const current = core.get(mainTarget(target));
  let scale: KubeObject;
  if ("scale" in change) {
    scale = change.scale;
  } else {
    let patch: unknown;
    try {
      patch = JSON.parse(change.body);
    } catch (e) {
      throw statusErrors.badRequest(`error decoding patch: ${(e as Error).message}`);
    }
    scale = (change.kind === "json" ? applyJsonPatch(toScale(current), patch) : applyMergePatch(toScale(current), patch)) as KubeObject;
  }
  const replicas = ((scale?.spec ?? {}) as Obj).replicas;
  if (typeof replicas !== "number" || !Number.isInteger(replicas) || replicas < 0) {
    throw statusErrors.invalid("autoscaling", "Scale", target.name ?? "", [{ reason: "FieldValueInvalid", message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`, field: "spec.replicas" }]);
  }
  const rv = scale.metadata?.resourceVersion || current.metadata.resourceVersion;
  const updated = { ...current, metadata: { ...current.metadata, resourceVersion: rv }, spec: { ...((current.spec ?? {}) as Obj), replicas } };
  const r = await core.update(mainTarget(target), updated, { dryRun });
  return { object: toScale(r.object), warnings: r.warnings };
}
