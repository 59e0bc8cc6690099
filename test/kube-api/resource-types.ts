// The resource types the double serves: built-ins from a static table, plus
// whatever CustomResourceDefinitions register at run time.

export interface ResourceType {
  group: string; // "" for the core group
  /** Versions served; the first one is the preferred (and storage) version. */
  versions: string[];
  plural: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  /** Has a `/status` subresource: the main endpoint ignores status, `/status` changes only status. */
  statusSubresource: boolean;
  /** Has a `/scale` subresource (autoscaling/v1 Scale over spec.replicas), as workloads do. */
  scaleSubresource?: boolean;
  /** Set for CRD-backed types: JSON schema per version and printer columns. */
  custom?: CustomTypeInfo;
}

export interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  description?: string;
  format?: string;
  priority?: number;
}

export interface CustomTypeInfo {
  crdName: string;
  schemas: Map<string, unknown>; // version -> openAPIV3Schema
  printerColumns: Map<string, PrinterColumn[]>; // version -> columns
}

type BuiltIn = Omit<ResourceType, "versions" | "singular"> & { version: string };

const builtIns: BuiltIn[] = [
  { group: "", version: "v1", plural: "namespaces", kind: "Namespace", namespaced: false, shortNames: ["ns"], statusSubresource: true },
  { group: "", version: "v1", plural: "pods", kind: "Pod", namespaced: true, shortNames: ["po"], categories: ["all"], statusSubresource: true },
  { group: "", version: "v1", plural: "services", kind: "Service", namespaced: true, shortNames: ["svc"], categories: ["all"], statusSubresource: true },
  { group: "", version: "v1", plural: "secrets", kind: "Secret", namespaced: true, statusSubresource: false },
  { group: "", version: "v1", plural: "configmaps", kind: "ConfigMap", namespaced: true, shortNames: ["cm"], statusSubresource: false },
  { group: "", version: "v1", plural: "serviceaccounts", kind: "ServiceAccount", namespaced: true, shortNames: ["sa"], statusSubresource: false },
  { group: "", version: "v1", plural: "events", kind: "Event", namespaced: true, shortNames: ["ev"], statusSubresource: false },
  { group: "events.k8s.io", version: "v1", plural: "events", kind: "Event", namespaced: true, shortNames: ["ev"], statusSubresource: false },
  { group: "", version: "v1", plural: "endpoints", kind: "Endpoints", namespaced: true, shortNames: ["ep"], statusSubresource: false },
  { group: "apps", version: "v1", plural: "deployments", kind: "Deployment", namespaced: true, shortNames: ["deploy"], categories: ["all"], statusSubresource: true, scaleSubresource: true },
  { group: "apps", version: "v1", plural: "statefulsets", kind: "StatefulSet", namespaced: true, shortNames: ["sts"], categories: ["all"], statusSubresource: true, scaleSubresource: true },
  { group: "apps", version: "v1", plural: "replicasets", kind: "ReplicaSet", namespaced: true, shortNames: ["rs"], categories: ["all"], statusSubresource: true, scaleSubresource: true },
  { group: "apps", version: "v1", plural: "daemonsets", kind: "DaemonSet", namespaced: true, shortNames: ["ds"], categories: ["all"], statusSubresource: true },
  { group: "batch", version: "v1", plural: "jobs", kind: "Job", namespaced: true, categories: ["all"], statusSubresource: true },
  { group: "coordination.k8s.io", version: "v1", plural: "leases", kind: "Lease", namespaced: true, statusSubresource: false },
  { group: "admissionregistration.k8s.io", version: "v1", plural: "mutatingwebhookconfigurations", kind: "MutatingWebhookConfiguration", namespaced: false, statusSubresource: false },
  { group: "admissionregistration.k8s.io", version: "v1", plural: "validatingwebhookconfigurations", kind: "ValidatingWebhookConfiguration", namespaced: false, statusSubresource: false },
  { group: "apiextensions.k8s.io", version: "v1", plural: "customresourcedefinitions", kind: "CustomResourceDefinition", namespaced: false, shortNames: ["crd", "crds"], statusSubresource: true },
  { group: "rbac.authorization.k8s.io", version: "v1", plural: "roles", kind: "Role", namespaced: true, statusSubresource: false },
  { group: "rbac.authorization.k8s.io", version: "v1", plural: "rolebindings", kind: "RoleBinding", namespaced: true, statusSubresource: false },
  { group: "rbac.authorization.k8s.io", version: "v1", plural: "clusterroles", kind: "ClusterRole", namespaced: false, statusSubresource: false },
  { group: "rbac.authorization.k8s.io", version: "v1", plural: "clusterrolebindings", kind: "ClusterRoleBinding", namespaced: false, statusSubresource: false },
  { group: "policy", version: "v1", plural: "poddisruptionbudgets", kind: "PodDisruptionBudget", namespaced: true, shortNames: ["pdb"], statusSubresource: true },
];

/** Lookup of served types by group/version/plural, mutable as CRDs come and go. */
export class ResourceTypeRegistry {
  private readonly types = new Map<string, ResourceType>(); // "group/plural"

  constructor() {
    for (const b of builtIns) {
      const { version, ...rest } = b;
      this.add({ ...rest, versions: [version], singular: b.kind.toLowerCase() });
    }
  }

  add(t: ResourceType): void {
    this.types.set(`${t.group}/${t.plural}`, t);
  }

  remove(group: string, plural: string): void {
    this.types.delete(`${group}/${plural}`);
  }

  /** The type served at group/version/plural, or undefined. */
  find(group: string, version: string, plural: string): ResourceType | undefined {
    const t = this.types.get(`${group}/${plural}`);
    return t && t.versions.includes(version) ? t : undefined;
  }

  byGroupPlural(group: string, plural: string): ResourceType | undefined {
    return this.types.get(`${group}/${plural}`);
  }

  byKind(group: string, kind: string): ResourceType | undefined {
    for (const t of this.types.values()) if (t.group === group && t.kind === kind) return t;
    return undefined;
  }

  all(): ResourceType[] {
    return [...this.types.values()];
  }

  /** Groups in a stable order: core first, then by name; each with its versions, highest priority (preferred) first. */
  groups(): { name: string; versions: string[] }[] {
    const byGroup = new Map<string, string[]>();
    for (const t of this.types.values()) {
      const vs = byGroup.get(t.group) ?? [];
      for (const v of t.versions) if (!vs.includes(v)) vs.push(v);
      byGroup.set(t.group, vs);
    }
    return [...byGroup.entries()].sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a.localeCompare(b))).map(([name, versions]) => ({ name, versions: versions.sort(compareVersionPriority) }));
  }
}

/** Kubernetes version priority: GA > beta > alpha, higher numbers first (v2 > v1 > v1beta2 > v1beta1 > v1alpha1). */
export function compareVersionPriority(a: string, b: string): number {
  const rank = (v: string): [number, number, number] => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return [0, 0, 0];
    const stage = m[2] === undefined ? 3 : m[2] === "beta" ? 2 : 1;
    return [stage, Number(m[1]), Number(m[3] ?? 0)];
  };
  const [sa, ma, na] = rank(a);
  const [sb, mb, nb] = rank(b);
  return sb - sa || mb - ma || nb - na || a.localeCompare(b);
}

/** "apps/v1" or "v1". */
export function apiVersionOf(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

/** Splits "apps/v1" into group and version. */
export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.indexOf("/");
  return i < 0 ? { group: "", version: apiVersion } : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}
