// The headless `<app-id>-dapr` Service Dapr's operator keeps for each workload
// annotated `dapr.io/enabled: "true"`: it gives the sidecars a stable DNS name
// (ports dapr-http, dapr-grpc, dapr-internal, dapr-metrics) and Prometheus a
// scrape target. Pure: a workload in, the desired Service out.
import type { V1Service } from "@kubernetes/client-node";

export interface Workload {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; uid?: string; annotations?: Record<string, string> };
  spec?: { template?: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> } } };
}

/** Marks Services this operator manages (its informer watches only these). */
export const managedByLabel = "app.kubernetes.io/managed-by";
export const managedByValue = "dapr-ts-operator";

const defaultMetricsPort = 9090;

/** Like Dapr, the annotations are read from the pod template: that is where the injector sees them too. */
function podAnnotations(w: Workload): Record<string, string> {
  return w.spec?.template?.metadata?.annotations ?? {};
}

export function isDaprEnabled(w: Workload): boolean {
  const v = podAnnotations(w)["dapr.io/enabled"];
  return typeof v === "string" && ["true", "yes", "on", "1", "y"].includes(v.toLowerCase());
}

/** `dapr.io/app-id`, or the workload's name when not set (as in Dapr). */
export function appIdOf(w: Workload): string {
  return podAnnotations(w)["dapr.io/app-id"] || (w.metadata?.name ?? "");
}

export function daprServiceName(appId: string): string {
  return `${appId}-dapr`;
}

function metricsPortOf(w: Workload): number {
  const n = Number(podAnnotations(w)["dapr.io/metrics-port"]);
  return Number.isInteger(n) && n > 0 && n < 65536 ? n : defaultMetricsPort;
}

function metricsEnabled(w: Workload): boolean {
  return (podAnnotations(w)["dapr.io/enable-metrics"] ?? "true").toLowerCase() !== "false";
}

export function desiredDaprService(w: Workload): V1Service {
  const appId = appIdOf(w);
  const metricsPort = metricsPortOf(w);
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: {
      name: daprServiceName(appId),
      namespace: w.metadata?.namespace ?? "default",
      labels: { "dapr.io/enabled": "true", [managedByLabel]: managedByValue },
      annotations: {
        "dapr.io/app-id": appId,
        "prometheus.io/scrape": metricsEnabled(w) ? "true" : "false",
        "prometheus.io/port": String(metricsPort),
        "prometheus.io/path": "/",
      },
      ownerReferences: [{ apiVersion: w.apiVersion ?? "apps/v1", kind: w.kind ?? "Deployment", name: w.metadata?.name ?? "", uid: w.metadata?.uid ?? "", controller: true, blockOwnerDeletion: true }],
    },
    spec: {
      clusterIP: "None",
      selector: { ...(w.spec?.template?.metadata?.labels ?? {}) },
      ports: [
        { name: "dapr-http", port: 80, targetPort: 3500 as never, protocol: "TCP" },
        { name: "dapr-grpc", port: 50001, targetPort: 50001 as never, protocol: "TCP" },
        { name: "dapr-internal", port: 50002, targetPort: 50002 as never, protocol: "TCP" },
        { name: "dapr-metrics", port: metricsPort, targetPort: metricsPort as never, protocol: "TCP" },
      ],
    },
  };
}

/**
 * `existing` brought to `desired`, or undefined when it already matches. Only
 * the fields this operator owns are compared and set: labels and annotations
 * others added, and fields the API server fills in (clusterIPs, ...), are kept.
 */
export function serviceUpdate(existing: V1Service, desired: V1Service): V1Service | undefined {
  const dm = desired.metadata!;
  const em = existing.metadata ?? {};
  const labelsOk = Object.entries(dm.labels ?? {}).every(([k, v]) => em.labels?.[k] === v);
  const annotationsOk = Object.entries(dm.annotations ?? {}).every(([k, v]) => em.annotations?.[k] === v);
  const ownerOk = JSON.stringify(em.ownerReferences ?? []) === JSON.stringify(dm.ownerReferences);
  const selectorOk = JSON.stringify(sorted(existing.spec?.selector ?? {})) === JSON.stringify(sorted(desired.spec!.selector ?? {}));
  const portsOk = JSON.stringify((existing.spec?.ports ?? []).map(portShape)) === JSON.stringify((desired.spec!.ports ?? []).map(portShape));
  if (labelsOk && annotationsOk && ownerOk && selectorOk && portsOk) return undefined;
  return {
    ...existing,
    metadata: {
      ...em,
      labels: { ...(em.labels ?? {}), ...dm.labels },
      annotations: { ...(em.annotations ?? {}), ...dm.annotations },
      ownerReferences: dm.ownerReferences,
    },
    spec: { ...existing.spec, selector: desired.spec!.selector, ports: desired.spec!.ports },
  };
}

function portShape(p: { name?: string; port?: number; targetPort?: unknown; protocol?: string }): unknown[] {
  return [p.name, p.port, String(p.targetPort ?? p.port), p.protocol ?? "TCP"];
}

function sorted(o: Record<string, string>): [string, string][] {
  return Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1));
}
