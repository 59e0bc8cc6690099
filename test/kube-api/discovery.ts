// Discovery documents (/api, /apis, group and group-version resource lists,
// /version). We answer the legacy (unaggregated) forms only: kubectl 1.32
// asks for aggregated discovery first and falls back when the response is
// plain JSON (checked by the kubectl tests).
import type { ResourceType, ResourceTypeRegistry } from "./resource-types.js";

const verbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

export function versionInfo() {
  return {
    major: "1", minor: "32", gitVersion: "v1.32.0", gitCommit: "0000000000000000000000000000000000000000", gitTreeState: "clean",
    buildDate: "2026-01-01T00:00:00Z", goVersion: "go1.23.0", compiler: "gc", platform: "linux/amd64",
  };
}

export function coreVersions(serverAddress: string) {
  return { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }] };
}

function apiGroup(name: string, versions: string[]) {
  const list = versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
  return { name, versions: list, preferredVersion: list[0] };
}

export function groupList(registry: ResourceTypeRegistry) {
  return { kind: "APIGroupList", apiVersion: "v1", groups: registry.groups().filter((g) => g.name !== "").map((g) => apiGroup(g.name, g.versions)) };
}

export function group(registry: ResourceTypeRegistry, name: string) {
  const g = registry.groups().find((x) => x.name === name);
  return g ? { kind: "APIGroup", apiVersion: "v1", ...apiGroup(g.name, g.versions) } : undefined;
}

function resourceEntries(t: ResourceType) {
  const main = {
    name: t.plural,
    singularName: t.singular,
    namespaced: t.namespaced,
    kind: t.kind,
    verbs,
    ...(t.shortNames?.length ? { shortNames: t.shortNames } : {}),
    ...(t.categories?.length ? { categories: t.categories } : {}),
  };
  const status = { name: `${t.plural}/status`, singularName: "", namespaced: t.namespaced, kind: t.kind, verbs: ["get", "patch", "update"] };
  const scale = { name: `${t.plural}/scale`, singularName: "", namespaced: t.namespaced, group: "autoscaling", version: "v1", kind: "Scale", verbs: ["get", "patch", "update"] };
  return [main, ...(t.statusSubresource ? [status] : []), ...(t.scaleSubresource ? [scale] : [])];
}

export function resourceList(registry: ResourceTypeRegistry, groupName: string, version: string) {
  const types = registry.all().filter((t) => t.group === groupName && t.versions.includes(version));
  if (types.length === 0) return undefined;
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: groupName ? `${groupName}/${version}` : version,
    resources: types.flatMap(resourceEntries),
  };
}
