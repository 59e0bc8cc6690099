// The dapr.io kinds a sidecar reads from the API server, and how an object
// read from there becomes a resource of our `ResourceSet`: the server already
// validated it against the CRD, so only server-side bookkeeping (status,
// managedFields, uid, ...) is dropped and Subscriptions are normalised to
// v2alpha1 (the CRD converts with strategy None; see crds/subscriptions.yaml).
import type { KubernetesObject } from "@kubernetes/client-node";
import type { ComponentResource, ConfigurationResource, DaprResource, ObjectMeta, ResiliencyResource, Sourced, SubscriptionResource } from "../resources/types.js";
import { toV2Alpha1, type AnySubscription } from "../resources/subscription-conversion.js";

export type WatchedKind = "Component" | "Subscription" | "Resiliency";

export interface KindInfo {
  kind: WatchedKind | "Configuration";
  group: "dapr.io";
  /** The version the sidecar reads (Subscriptions of both versions come back as the stored v2alpha1). */
  version: string;
  plural: string;
}

export const watchedKinds: Record<WatchedKind, KindInfo> = {
  Component: { kind: "Component", group: "dapr.io", version: "v1alpha1", plural: "components" },
  Subscription: { kind: "Subscription", group: "dapr.io", version: "v2alpha1", plural: "subscriptions" },
  Resiliency: { kind: "Resiliency", group: "dapr.io", version: "v1alpha1", plural: "resiliencies" },
};

export const configurationKind: KindInfo = { kind: "Configuration", group: "dapr.io", version: "v1alpha1", plural: "configurations" };

/** The API path of a kind's collection in a namespace (what list and watch use). */
export function collectionPath(k: KindInfo, namespace: string): string {
  return `/apis/${k.group}/${k.version}/namespaces/${encodeURIComponent(namespace)}/${k.plural}`;
}

/** Names the object in logs and errors, as the file loader names files. */
export function sourceOf(kind: string, obj: KubernetesObject): string {
  return `kubernetes ${kind} ${obj.metadata?.namespace ?? ""}/${obj.metadata?.name ?? "?"}`;
}

function meta(obj: KubernetesObject): ObjectMeta {
  const m = obj.metadata ?? {};
  const out: ObjectMeta = { name: m.name ?? "" };
  if (m.namespace) out.namespace = m.namespace;
  if (m.generation !== undefined) out.generation = m.generation;
  if (m.resourceVersion) out.resourceVersion = m.resourceVersion;
  if (m.annotations) out.annotations = m.annotations;
  if (m.labels) out.labels = m.labels;
  return out;
}

type Raw = KubernetesObject & { spec?: unknown; scopes?: string[]; auth?: { secretStore?: string } };

/** An API object as the runtime's resource type; throws a clear Error for what cannot be read. */
export function toResource(kind: "Component", obj: KubernetesObject): Sourced<ComponentResource>;
export function toResource(kind: "Subscription", obj: KubernetesObject): Sourced<SubscriptionResource>;
export function toResource(kind: "Resiliency", obj: KubernetesObject): Sourced<ResiliencyResource>;
export function toResource(kind: "Configuration", obj: KubernetesObject): Sourced<ConfigurationResource>;
export function toResource(kind: WatchedKind | "Configuration", obj: KubernetesObject): Sourced<DaprResource> {
  const raw = obj as Raw;
  const source = sourceOf(kind, obj);
  if (!raw.metadata?.name) throw new Error(`${source}: metadata.name is missing`);
  if (!raw.spec || typeof raw.spec !== "object") throw new Error(`${source}: spec is missing`);
  const base = { apiVersion: raw.apiVersion ?? `dapr.io/${watchedKinds[kind as WatchedKind]?.version ?? "v1alpha1"}`, metadata: meta(obj) };
  const scopes = raw.scopes && raw.scopes.length > 0 ? { scopes: [...raw.scopes] } : {};
  switch (kind) {
    case "Component":
      return { source, resource: { ...base, kind, ...scopes, ...(raw.auth ? { auth: raw.auth } : {}), spec: raw.spec as ComponentResource["spec"] } };
    case "Subscription": {
      const v2 = toV2Alpha1({ ...base, kind, ...scopes, spec: raw.spec } as unknown as AnySubscription);
      return { source, resource: { ...v2, metadata: base.metadata, kind } as unknown as SubscriptionResource };
    }
    case "Resiliency":
      return { source, resource: { ...base, kind, ...scopes, spec: raw.spec as Record<string, unknown> } };
    case "Configuration":
      return { source, resource: { ...base, kind, spec: raw.spec as Record<string, unknown> } };
  }
}
