// A minimal OpenAPI v3 surface. kubectl 1.32 downloads /openapi/v3 before
// `apply` to learn whether the server validates fields itself (the
// `fieldValidation` query parameter); when it does, kubectl sends
// `fieldValidation=Strict` and skips client-side schema validation. So we
// publish, per group-version, the write operations of each resource with
// that parameter and their group-version-kind, plus the schemas of custom
// resources (for `kubectl explain`); built-in schemas are not published.
import { createHash } from "node:crypto";
import type { ResourceType, ResourceTypeRegistry } from "./resource-types.js";

function gvPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

function hashOf(value: unknown): string {
  return createHash("sha256").update(JSON.stringify(value)).digest("hex").slice(0, 32).toUpperCase();
}

export function openApiRoot(registry: ResourceTypeRegistry): unknown {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const g of registry.groups()) {
    for (const v of g.versions) {
      const p = gvPath(g.name, v);
      paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${hashOf(groupVersionDocument(registry, g.name, v))}` };
    }
  }
  return { paths };
}

function operation(t: ResourceType, version: string, action: string, withFieldValidation: boolean) {
  return {
    "x-kubernetes-action": action,
    "x-kubernetes-group-version-kind": { group: t.group, version, kind: t.kind },
    parameters: withFieldValidation ? [{ name: "fieldValidation", in: "query", schema: { type: "string", uniqueItems: true } }] : [],
    responses: { "200": { description: "OK" } },
  };
}

/** The OpenAPI v3 document of one group-version, or undefined when not served. */
export function groupVersionDocument(registry: ResourceTypeRegistry, group: string, version: string): unknown {
  const types = registry.all().filter((t) => t.group === group && t.versions.includes(version));
  if (types.length === 0) return undefined;
  const base = `/${gvPath(group, version)}`;
  const paths: Record<string, unknown> = {};
  for (const t of types) {
    const prefix = t.namespaced ? `${base}/namespaces/{namespace}/${t.plural}` : `${base}/${t.plural}`;
    paths[prefix] = { get: operation(t, version, "list", false), post: operation(t, version, "post", true) };
    paths[`${prefix}/{name}`] = {
      get: operation(t, version, "get", false),
      put: operation(t, version, "put", true),
      patch: operation(t, version, "patch", true),
      delete: operation(t, version, "delete", false),
    };
  }
  // Custom resources' schemas, keyed by GVK as the real server publishes them, so `kubectl explain` works.
  const schemas: Record<string, unknown> = {};
  for (const t of types) {
    const schema = t.custom?.schemas.get(version);
    if (!schema || typeof schema !== "object") continue;
    const name = `${t.group.split(".").reverse().join(".")}.${version}.${t.kind}`;
    schemas[name] = { ...(schema as object), "x-kubernetes-group-version-kind": [{ group: t.group, version, kind: t.kind }] };
  }
  return { openapi: "3.0.0", info: { title: "Kubernetes", version: "v1.32.0" }, paths, components: { schemas } };
}
