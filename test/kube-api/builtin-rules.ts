// Defaults and validation for built-in kinds: only the rules that catch real
// mistakes in manifests (missing names, containers without images, a
// Deployment selector that does not match its template), with the real
// server's messages and field paths.
import { randomInt } from "node:crypto";
import type { KubeObject } from "./object-store.js";
import { matchesLabelSelector, type LabelSelector } from "./selectors.js";
import type { StatusCause } from "./status.js";

type Obj = Record<string, unknown>;
const asObj = (v: unknown): Obj => (v && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : {});

const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Kinds whose names must be DNS labels (not subdomains). */
const labelNamedKinds = new Set(["Namespace", "Service"]);

export function validateObjectMeta(obj: KubeObject): StatusCause[] {
  const name = obj.metadata.name;
  if (!name) return [{ reason: "FieldValueRequired", message: "Required value: name or generateName is required", field: "metadata.name" }];
  const labelOnly = labelNamedKinds.has(obj.kind ?? "");
  const re = labelOnly ? dnsLabel : dnsSubdomain;
  if (!re.test(name) || name.length > (labelOnly ? 63 : 253)) {
    const what = labelOnly
      ? "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"
      : "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
    return [{ reason: "FieldValueInvalid", message: `Invalid value: "${name}": ${what}`, field: "metadata.name" }];
  }
  return [];
}

function validatePodSpec(spec: Obj, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const containers = spec.containers;
  if (!Array.isArray(containers) || containers.length === 0) {
    return [{ reason: "FieldValueRequired", message: "Required value", field: `${path}.containers` }];
  }
  const names = new Set<string>();
  const all = [...containers.map((c, i) => [c, `${path}.containers[${i}]`] as const),
    ...(Array.isArray(spec.initContainers) ? spec.initContainers : []).map((c, i) => [c, `${path}.initContainers[${i}]`] as const)];
  for (const [c, p] of all) {
    const container = asObj(c);
    const name = container.name;
    if (typeof name !== "string" || !name) causes.push({ reason: "FieldValueRequired", message: "Required value", field: `${p}.name` });
    else if (names.has(name)) causes.push({ reason: "FieldValueDuplicate", message: `Duplicate value: "${name}"`, field: `${p}.name` });
    else names.add(name);
    if (typeof container.image !== "string" || !container.image) causes.push({ reason: "FieldValueRequired", message: "Required value", field: `${p}.image` });
  }
  return causes;
}

function validateWorkload(obj: KubeObject): StatusCause[] {
  const spec = asObj(obj.spec);
  const template = asObj(spec.template);
  const causes: StatusCause[] = [];
  const selector = spec.selector as LabelSelector | undefined;
  const labels = asObj(asObj(template.metadata).labels) as Record<string, string>;
  if (!selector) causes.push({ reason: "FieldValueRequired", message: "Required value", field: "spec.selector" });
  else if (!matchesLabelSelector(selector, labels) || Object.keys(selector.matchLabels ?? {}).length + (selector.matchExpressions ?? []).length === 0) {
    causes.push({ reason: "FieldValueInvalid", message: `Invalid value: ${JSON.stringify(labels)}: \`selector\` does not match template \`labels\``, field: "spec.template.metadata.labels" });
  }
  causes.push(...validatePodSpec(asObj(template.spec), "spec.template.spec"));
  return causes;
}

function validateService(obj: KubeObject): StatusCause[] {
  const ports = asObj(obj.spec).ports;
  const causes: StatusCause[] = [];
  if (Array.isArray(ports)) {
    ports.forEach((p, i) => {
      const port = asObj(p).port;
      if (typeof port !== "number" || port < 1 || port > 65535) {
        causes.push({ reason: "FieldValueInvalid", message: `Invalid value: ${JSON.stringify(port ?? 0)}: must be between 1 and 65535, inclusive`, field: `spec.ports[${i}].port` });
      }
    });
  }
  return causes;
}

function validateSecret(obj: KubeObject): StatusCause[] {
  const causes: StatusCause[] = [];
  for (const [k, v] of Object.entries(asObj(obj.data))) {
    if (typeof v !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) {
      causes.push({ reason: "FieldValueInvalid", message: "Invalid value: illegal base64 data", field: `data[${k}]` });
    }
  }
  return causes;
}

/** Validation of a built-in kind beyond object metadata; empty when valid. */
export function validateBuiltIn(obj: KubeObject): StatusCause[] {
  switch (obj.kind) {
    case "Pod": return validatePodSpec(asObj(obj.spec), "spec");
    case "Deployment":
    case "StatefulSet":
    case "ReplicaSet":
    case "DaemonSet": return validateWorkload(obj);
    case "Service": return validateService(obj);
    case "Secret": return validateSecret(obj);
    default: return [];
  }
}

/** Server-side defaults the real server applies on write, for the fields clients read back. */
export function applyBuiltInDefaults(obj: KubeObject, isCreate: boolean): void {
  switch (obj.kind) {
    case "Secret": {
      // stringData is write-only: folded into data, never stored.
      const stringData = asObj(obj.stringData);
      if (Object.keys(stringData).length > 0) {
        const data = { ...asObj(obj.data) };
        for (const [k, v] of Object.entries(stringData)) data[k] = Buffer.from(String(v)).toString("base64");
        obj.data = data;
      }
      delete obj.stringData;
      obj.type ??= "Opaque";
      break;
    }
    case "Service": {
      const spec = (obj.spec ??= {}) as Obj;
      spec.type ??= "ClusterIP";
      if (isCreate && spec.clusterIP === undefined) spec.clusterIP = `10.96.${randomInt(0, 255)}.${randomInt(1, 254)}`;
      if (typeof spec.clusterIP === "string") spec.clusterIPs ??= [spec.clusterIP];
      if (Array.isArray(spec.ports)) for (const p of spec.ports) { const port = p as Obj; port.protocol ??= "TCP"; port.targetPort ??= port.port; }
      break;
    }
    case "Deployment":
    case "StatefulSet":
    case "ReplicaSet": {
      const spec = (obj.spec ??= {}) as Obj;
      spec.replicas ??= 1;
      spec.revisionHistoryLimit ??= 10;
      if (obj.kind === "Deployment") {
        spec.strategy ??= { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" } };
        spec.progressDeadlineSeconds ??= 600;
      }
      if (obj.kind === "StatefulSet") {
        spec.podManagementPolicy ??= "OrderedReady";
        spec.updateStrategy ??= { type: "RollingUpdate", rollingUpdate: { partition: 0 } };
      }
      defaultPodSpec(asObj(asObj(spec.template).spec));
      break;
    }
    case "Namespace": {
      obj.status = { phase: "Active" };
      break;
    }
    case "Pod": {
      const spec = (obj.spec ??= {}) as Obj;
      defaultPodSpec(spec);
      if (isCreate) obj.status = runningPodStatus(spec);
      break;
    }
  }
}

function defaultPodSpec(spec: Obj): void {
  spec.restartPolicy ??= "Always";
  spec.dnsPolicy ??= "ClusterFirst";
  spec.terminationGracePeriodSeconds ??= 30;
  for (const list of [spec.containers, spec.initContainers]) {
    if (!Array.isArray(list)) continue;
    for (const c of list) {
      const container = asObj(c);
      if (Array.isArray(container.ports)) for (const p of container.ports) asObj(p).protocol ??= "TCP";
      container.terminationMessagePath ??= "/dev/termination-log";
      const image = typeof container.image === "string" ? container.image : "";
      container.imagePullPolicy ??= image.endsWith(":latest") || !image.includes(":") ? "Always" : "IfNotPresent";
    }
  }
}

/**
 * No kubelet here: a pod is reported running and ready as soon as it exists,
 * so `kubectl wait --for=condition=Ready` and rollout checks succeed.
 */
function runningPodStatus(spec: Obj): Obj {
  const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  const condition = (type: string) => ({ type, status: "True", lastProbeTime: null, lastTransitionTime: now });
  const statusOf = (c: unknown) => {
    const container = asObj(c);
    return { name: container.name, image: container.image, imageID: "", ready: true, started: true, restartCount: 0, state: { running: { startedAt: now } } };
  };
  const podIP = `10.244.${randomInt(0, 255)}.${randomInt(1, 254)}`;
  return {
    phase: "Running",
    conditions: ["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"].map(condition),
    hostIP: "10.0.0.1",
    podIP,
    podIPs: [{ ip: podIP }],
    startTime: now,
    qosClass: "BestEffort",
    containerStatuses: (Array.isArray(spec.containers) ? spec.containers : []).map(statusOf),
    ...(Array.isArray(spec.initContainers) && spec.initContainers.length > 0 ? { initContainerStatuses: spec.initContainers.map(statusOf) } : {}),
  };
}
