// A minimal stand-in for the Deployment and StatefulSet controllers: each
// workload gets `replicas` Pods from its template, created through the API
// core (and therefore through mutating admission, so a sidecar injector sees
// them), owned by the workload so garbage collection removes them with it.
// ReplicaSets are skipped: Deployments own their Pods directly.
import { createHash } from "node:crypto";
import { resourceKey, type KubeApiCore, type Target } from "./api-core.js";
import type { KubeObject, StoreEvent } from "./object-store.js";
import type { ResourceType } from "./resource-types.js";

type Obj = Record<string, unknown>;
const hashAlphabet = "bcdfghjklmnpqrstvwxz2456789";

/** A short, stable hash of a pod template, spelled like the real `pod-template-hash`. */
export function templateHash(template: unknown): string {
  const digest = createHash("sha256").update(JSON.stringify(template ?? {})).digest();
  let s = "";
  for (let i = 0; i < 10; i++) s += hashAlphabet[digest[i]! % hashAlphabet.length];
  return s;
}

export interface ControllerError {
  workload: string;
  message: string;
}

export class WorkloadController {
  private readonly queue = new Map<string, { kind: "deployments" | "statefulsets"; ns: string; name: string }>();
  private running = false;
  private stopped = false;
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private readonly unsubscribe: () => void;
  /** Pod creations that failed (e.g. rejected by a webhook), newest last; for tests and debugging. */
  readonly errors: ControllerError[] = [];

  constructor(private readonly core: KubeApiCore) {
    this.unsubscribe = core.store.subscribe((e) => this.onEvent(e));
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe();
    for (const t of this.retryTimers) clearTimeout(t);
  }

  private onEvent(e: StoreEvent): void {
    if (e.resource === "apps/deployments" || e.resource === "apps/statefulsets") {
      if (e.type !== "DELETED") this.enqueue(e.resource === "apps/deployments" ? "deployments" : "statefulsets", e.namespace, e.object.metadata.name!);
      return;
    }
    if (e.resource === "/pods" && e.type === "DELETED") {
      // A deleted pod is replaced, as the real controllers do.
      for (const ref of e.object.metadata.ownerReferences ?? []) {
        if (ref.apiVersion === "apps/v1" && (ref.kind === "Deployment" || ref.kind === "StatefulSet")) {
          this.enqueue(ref.kind === "Deployment" ? "deployments" : "statefulsets", e.namespace, ref.name);
        }
      }
    }
  }

  private enqueue(kind: "deployments" | "statefulsets", ns: string, name: string): void {
    if (this.stopped) return;
    this.queue.set(`${kind}|${ns}|${name}`, { kind, ns, name });
    if (!this.running) void this.drain();
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.size > 0 && !this.stopped) {
        const [key, item] = this.queue.entries().next().value as [string, { kind: "deployments" | "statefulsets"; ns: string; name: string }];
        this.queue.delete(key);
        try {
          await this.reconcile(item.kind, item.ns, item.name);
        } catch (e) {
          this.errors.push({ workload: `${item.ns}/${item.name}`, message: (e as Error).message });
          // Retry later, as a real controller requeues with backoff.
          const timer = setTimeout(() => { this.retryTimers.delete(timer); this.enqueue(item.kind, item.ns, item.name); }, 500);
          this.retryTimers.add(timer);
        }
      }
    } finally {
      this.running = false;
    }
  }

  private podType(): ResourceType {
    return this.core.registry.byGroupPlural("", "pods")!;
  }

  private async reconcile(kind: "deployments" | "statefulsets", ns: string, name: string): Promise<void> {
    const workloadType = this.core.registry.byGroupPlural("apps", kind)!;
    const workload = this.core.store.get(resourceKey(workloadType), ns, name);
    if (!workload || workload.metadata.deletionTimestamp) return;
    const spec = (workload.spec ?? {}) as Obj;
    const template = (spec.template ?? {}) as Obj;
    const replicas = typeof spec.replicas === "number" ? spec.replicas : 1;
    const hash = templateHash(template);
    const hashLabel = kind === "deployments" ? "pod-template-hash" : "controller-revision-hash";
    const podTarget = (podName?: string): Target => ({ type: this.podType(), version: "v1", namespace: ns, name: podName });
    const owned = this.core.store.list("/pods", ns).filter((p) => (p.metadata.ownerReferences ?? []).some((r) => r.uid === workload.metadata.uid));

    // 1. Pods from an older template go.
    for (const p of owned.filter((p) => p.metadata.labels?.[hashLabel] !== hash)) {
      await this.core.delete(podTarget(p.metadata.name), { propagationPolicy: "Background" }).catch(() => {});
    }
    let current = owned.filter((p) => p.metadata.labels?.[hashLabel] === hash);

    // 2. Scale down, highest ordinal (or newest) first.
    while (current.length > replicas) {
      const victim = current.pop()!;
      await this.core.delete(podTarget(victim.metadata.name), { propagationPolicy: "Background" }).catch(() => {});
    }

    // 3. Scale up.
    // Deployment pods get generateName, as ReplicaSet pods do: admission webhooks see no name yet.
    const wanted: { name?: string; generateName?: string }[] = kind === "statefulsets"
      ? Array.from({ length: replicas }, (_, i) => `${name}-${i}`).filter((n) => !current.some((p) => p.metadata.name === n)).map((n) => ({ name: n }))
      : Array.from({ length: Math.max(0, replicas - current.length) }, () => ({ generateName: `${name}-${hash}-` }));
    for (const podName of wanted) {
      const pod = this.podFromTemplate(workload, template, podName, hashLabel, hash, kind);
      const created = await this.core.create(podTarget(), pod);
      current = [...current, created.object];
    }

    // 4. Status, through the status subresource (a no-op write when nothing changed).
    const status = {
      ...((workload.status ?? {}) as Obj),
      observedGeneration: workload.metadata.generation,
      replicas: current.length,
      readyReplicas: current.length,
      availableReplicas: current.length,
      updatedReplicas: current.length,
      ...(kind === "statefulsets" ? { currentReplicas: current.length } : {}),
      // Kept stable across passes (no fresh timestamps) so a settled workload's status write is a no-op.
      ...(kind === "deployments" ? { conditions: deploymentConditions(((workload.status ?? {}) as Obj).conditions, current.length >= replicas) } : {}),
    };
    const latest = this.core.store.get(resourceKey(workloadType), ns, name);
    if (!latest) return;
    await this.core.update({ type: workloadType, version: "v1", namespace: ns, name, subresource: "status" }, { ...latest, status } as KubeObject);
  }

  private podFromTemplate(workload: KubeObject, template: Obj, podName: { name?: string; generateName?: string }, hashLabel: string, hash: string, kind: string): KubeObject {
    const tmeta = (template.metadata ?? {}) as Obj;
    const labels: Record<string, string> = { ...((tmeta.labels ?? {}) as Record<string, string>), [hashLabel]: hash };
    if (kind === "statefulsets" && podName.name) labels["statefulset.kubernetes.io/pod-name"] = podName.name;
    return {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        ...podName,
        namespace: workload.metadata.namespace,
        labels,
        ...(tmeta.annotations ? { annotations: structuredClone(tmeta.annotations as Record<string, string>) } : {}),
        ownerReferences: [{
          apiVersion: "apps/v1",
          kind: kind === "deployments" ? "Deployment" : "StatefulSet",
          name: workload.metadata.name!,
          uid: workload.metadata.uid!,
          controller: true,
          blockOwnerDeletion: true,
        }],
      },
      spec: structuredClone((template.spec ?? {}) as Obj),
    };
  }
}

function deploymentConditions(previous: unknown, available: boolean): Obj[] {
  const old = Array.isArray(previous) ? (previous as Obj[]) : [];
  const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  const make = (type: string, status: string, reason: string, message: string): Obj => {
    const prior = old.find((c) => c.type === type);
    const same = prior && prior.status === status && prior.reason === reason;
    return { type, status, reason, message, lastUpdateTime: same ? prior.lastUpdateTime : now, lastTransitionTime: prior && prior.status === status ? prior.lastTransitionTime : now };
  };
  return [
    make("Available", available ? "True" : "False", available ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable", available ? "Deployment has minimum availability." : "Deployment does not have minimum availability."),
    make("Progressing", "True", "NewReplicaSetAvailable", "The deployment's pods are up to date."),
  ];
}
