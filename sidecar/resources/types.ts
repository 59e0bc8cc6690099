// The dapr.io resources the sidecar reads, as plain typed objects. Their schema
// is validated against the CRDs in `crds/` (see crd-schema.ts); these types only
// describe the parts the runtime reads.

export interface ObjectMeta {
  name: string;
  namespace?: string;
  generation?: number;
  resourceVersion?: string;
  annotations?: Record<string, string>;
  labels?: Record<string, string>;
}

export interface MetadataItem {
  name: string;
  value?: unknown;
  secretKeyRef?: { name: string; key?: string };
  envRef?: string;
}

export interface ComponentResource {
  apiVersion: string;
  kind: "Component";
  metadata: ObjectMeta;
  scopes?: string[];
  auth?: { secretStore?: string };
  spec: {
    type: string;
    version: string;
    initTimeout?: string;
    ignoreErrors?: boolean;
    metadata?: MetadataItem[];
  };
}

export interface SubscriptionResource {
  apiVersion: string;
  kind: "Subscription";
  metadata: ObjectMeta;
  scopes?: string[];
  spec: {
    pubsubname: string;
    topic: string;
    route?: string;
    routes?: { rules?: { match: string; path: string }[]; default?: string };
    deadLetterTopic?: string;
    bulkSubscribe?: { enabled: boolean; maxMessagesCount?: number; maxAwaitDurationMs?: number };
    metadata?: Record<string, string>;
  };
}

export interface ResiliencyResource {
  apiVersion: string;
  kind: "Resiliency";
  metadata: ObjectMeta;
  scopes?: string[];
  spec: Record<string, unknown>;
}

export interface ConfigurationResource {
  apiVersion: string;
  kind: "Configuration";
  metadata: ObjectMeta;
  spec: Record<string, unknown>;
}

export type DaprResource = ComponentResource | SubscriptionResource | ResiliencyResource | ConfigurationResource;

/** Where a resource came from, so errors can name the file (or the API object). */
export interface Sourced<T> {
  resource: T;
  source: string;
}

export interface ResourceSet {
  components: Sourced<ComponentResource>[];
  subscriptions: Sourced<SubscriptionResource>[];
  resiliencies: Sourced<ResiliencyResource>[];
  configurations: Sourced<ConfigurationResource>[];
  /** Problems found while loading: each names the file and the field. Bad resources are skipped. */
  errors: string[];
}

export function emptyResourceSet(): ResourceSet {
  return { components: [], subscriptions: [], resiliencies: [], configurations: [], errors: [] };
}
