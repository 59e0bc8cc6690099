// What the Component CRD schema cannot check: that dapr-ts knows the type and
// version, that the metadata the type needs is there, that `initTimeout`
// parses, and that Kubernetes Secrets referenced through `secretKeyRef` exist.
import { parseGoDuration } from "../../sidecar/util/duration.js";
import type { Verdict } from "../conditions.js";
import { componentRequirements, knownComponentTypes } from "../component-requirements.js";

interface MetadataItem {
  name?: string;
  value?: unknown;
  secretKeyRef?: { name?: string; key?: string };
  envRef?: string;
}

export interface ComponentObject {
  metadata?: { name?: string; namespace?: string };
  spec?: { type?: string; version?: string; metadata?: MetadataItem[]; initTimeout?: string };
  auth?: { secretStore?: string };
}

/** Key names of a Secret, or undefined when it does not exist. */
export type SecretKeysLookup = (namespace: string, name: string) => Promise<string[] | undefined>;

/** How long to wait before looking again for a Secret that is missing (Secrets are not watched: RBAC grants only `get`). */
export const secretRecheckMs = 10_000;

function hasValue(item: MetadataItem): boolean {
  if (item.secretKeyRef?.name) return true;
  if (typeof item.envRef === "string" && item.envRef !== "") return true;
  return item.value !== undefined && item.value !== null && item.value !== "";
}

export async function validateComponent(obj: ComponentObject, lookupSecret: SecretKeysLookup): Promise<Verdict> {
  const spec = obj.spec ?? {};
  const type = spec.type ?? "";
  // 1. Known type, then known version (Dapr reads an empty version as v1).
  const requirement = componentRequirements[type];
  if (!requirement) {
    return { ok: false, reason: "UnknownType", message: `unknown component type '${type}'; known types: ${knownComponentTypes().join(", ")}` };
  }
  const version = spec.version || "v1";
  if (!requirement.versions.includes(version)) {
    return { ok: false, reason: "UnknownVersion", message: `unknown version '${version}' of ${type}; known versions: ${requirement.versions.join(", ")}` };
  }

  // 2. Required metadata of the type.
  const items = Array.isArray(spec.metadata) ? spec.metadata : [];
  const present = new Set(items.filter((i) => i && typeof i.name === "string" && hasValue(i)).map((i) => i.name!));
  const missing = requirement.required.filter((group) => !group.some((n) => present.has(n))).map((group) => group.join(" or "));
  if (missing.length > 0) {
    return { ok: false, reason: "MissingMetadata", message: `${type} requires metadata ${missing.map((m) => `'${m}'`).join(", ")}` };
  }

  // 3. Durations.
  if (spec.initTimeout !== undefined && spec.initTimeout !== "") {
    try {
      parseGoDuration(String(spec.initTimeout));
    } catch (err) {
      return { ok: false, reason: "InvalidDuration", message: `spec.initTimeout: ${(err as Error).message}` };
    }
  }

  // 4. secretKeyRefs resolve, when they point at Kubernetes Secrets: with no
  // secret store named (or the built-in "kubernetes" one) Dapr reads them from
  // the component's namespace; another store is outside what we can check.
  const store = obj.auth?.secretStore ?? "";
  if (store === "" || store === "kubernetes") {
    const namespace = obj.metadata?.namespace ?? "default";
    for (const item of items) {
      const ref = item?.secretKeyRef;
      if (!ref?.name) continue;
      // Dapr uses the secret's name as the key when no key is given.
      const key = ref.key || ref.name;
      const keys = await lookupSecret(namespace, ref.name);
      if (!keys) {
        return { ok: false, reason: "SecretNotFound", message: `metadata '${item.name}': Secret '${ref.name}' not found in namespace ${namespace}`, recheckAfterMs: secretRecheckMs };
      }
      if (!keys.includes(key)) {
        return { ok: false, reason: "SecretKeyNotFound", message: `metadata '${item.name}': Secret '${ref.name}' has no key '${key}'`, recheckAfterMs: secretRecheckMs };
      }
    }
  }
  return { ok: true, message: `${type}/${version} is valid` };
}
