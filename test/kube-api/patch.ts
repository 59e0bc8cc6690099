// PATCH bodies: JSON merge patch (RFC 7386), JSON patch (RFC 6902, via
// fast-json-patch) and a strategic-merge patch that covers what kubectl's
// client-side apply sends for built-in types: merge patch, plus lists of
// known element types merged by key, and the `$patch`, `$setElementOrder`,
// `$retainKeys` and `$deleteFromPrimitiveList` directives.
import jsonPatch from "fast-json-patch";
import { KubeError, statusErrors } from "./status.js";

type Json = unknown;
type JsonObject = Record<string, Json>;

const isObject = (v: Json): v is JsonObject => v !== null && typeof v === "object" && !Array.isArray(v);

export function applyMergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return structuredClone(patch);
  const out: JsonObject = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = applyMergePatch(out[k], v);
  }
  return out;
}

export function applyJsonPatch(target: Json, ops: Json): Json {
  if (!Array.isArray(ops)) throw statusErrors.badRequest("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
  try {
    return jsonPatch.applyPatch(structuredClone(target), ops as jsonPatch.Operation[], true, false).newDocument;
  } catch (e) {
    const msg = e instanceof Error ? e.message.split("\n")[0] : String(e);
    throw new KubeError(422, "Invalid", `the server rejected our request due to an error in our request: ${msg}`);
  }
}

/**
 * Merge keys of list fields in built-in types, by field name. "ports" differs
 * between containers (containerPort) and services (port): we pick by content.
 */
const mergeKeys: Record<string, string | ((items: JsonObject[]) => string)> = {
  containers: "name",
  initContainers: "name",
  ephemeralContainers: "name",
  env: "name",
  volumes: "name",
  volumeMounts: "mountPath",
  volumeDevices: "devicePath",
  imagePullSecrets: "name",
  hostAliases: "ip",
  conditions: "type",
  ports: (items) => (items.some((i) => "containerPort" in i) ? "containerPort" : "port"),
};

function mergeKeyFor(field: string, items: JsonObject[]): string | undefined {
  const k = mergeKeys[field];
  return typeof k === "function" ? k(items) : k;
}

export function applyStrategicMergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return structuredClone(patch);
  if (patch.$patch === "replace") {
    const { $patch: _, ...rest } = patch;
    return stripDirectives(rest);
  }
  if (patch.$patch === "delete") return undefined;
  const out: JsonObject = isObject(target) ? { ...target } : {};
  const retain = Array.isArray(patch.$retainKeys) ? (patch.$retainKeys as string[]) : undefined;
  for (const [k, v] of Object.entries(patch)) {
    if (k === "$patch" || k === "$retainKeys" || k.startsWith("$setElementOrder/")) continue;
    if (k.startsWith("$deleteFromPrimitiveList/")) {
      const field = k.slice("$deleteFromPrimitiveList/".length);
      if (Array.isArray(out[field]) && Array.isArray(v)) out[field] = (out[field] as Json[]).filter((x) => !v.includes(x));
      continue;
    }
    if (v === null) {
      delete out[k];
      continue;
    }
    if (Array.isArray(v)) {
      out[k] = mergeList(k, out[k], v);
      continue;
    }
    const merged = applyStrategicMergePatch(out[k], v);
    if (merged === undefined) delete out[k];
    else out[k] = merged;
  }
  if (retain) for (const k of Object.keys(out)) if (!retain.includes(k)) delete out[k];
  return out;
}

function mergeList(field: string, current: Json, patchItems: Json[]): Json[] {
  const objects = patchItems.filter(isObject);
  const key = objects.length === patchItems.length && objects.length > 0 ? mergeKeyFor(field, objects) : undefined;
  if (!key || !Array.isArray(current)) return stripDirectives(patchItems.filter((i) => !(isObject(i) && i.$patch === "delete"))) as Json[];
  const result = [...current] as Json[];
  for (const item of objects) {
    const idx = result.findIndex((c) => isObject(c) && c[key] === item[key]);
    if (item.$patch === "delete") {
      if (idx >= 0) result.splice(idx, 1);
    } else if (idx >= 0) {
      result[idx] = applyStrategicMergePatch(result[idx], item);
    } else {
      result.push(stripDirectives(item));
    }
  }
  return result;
}

function stripDirectives(v: Json): Json {
  if (Array.isArray(v)) return v.map(stripDirectives);
  if (!isObject(v)) return v;
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(v)) if (!k.startsWith("$")) out[k] = stripDirectives(x);
  return out;
}

export type PatchKind = "merge" | "json" | "strategic" | "apply";

/** Maps a PATCH Content-Type to its kind, or throws 415. */
export function patchKindOf(contentType: string | undefined): PatchKind {
  const ct = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  switch (ct) {
    case "application/merge-patch+json": return "merge";
    case "application/json-patch+json": return "json";
    case "application/strategic-merge-patch+json": return "strategic";
    case "application/apply-patch+yaml": return "apply";
    default: throw statusErrors.unsupportedMediaType(ct || "(none)");
  }
}
