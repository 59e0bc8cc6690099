// Pod in, JSON patch out: the pure heart of the injector. No I/O, no clock,
// so every annotation and edge case is a plain unit test. The wire
// (AdmissionReview) lives in injector/admission/.
import type { V1Container, V1Pod, V1VolumeMount } from "@kubernetes/client-node";
import { annotationTable, readAnnotations, type SidecarSettings } from "../annotations.js";
import { appContainerEnvPatch, appEnvVars } from "./app-container-env.js";
import { conflictWarnings } from "./conflicts.js";
import { add, escapePointerSegment, type JsonPatchOp } from "./json-patch.js";
import { buildSidecarContainer } from "./sidecar-container.js";
import { sidecarContainerName, sidecarHttpPort, type SidecarPatchConfig } from "./sidecar-patch-config.js";

export type { JsonPatchOp } from "./json-patch.js";

export interface SidecarPatchResult {
  patch: JsonPatchOp[];
  /** Shown by kubectl as "Warning: ..."; each names the annotation at fault. */
  warnings: string[];
  /** Set when a sidecar is injected. */
  appId?: string;
}

export function hasSidecar(pod: V1Pod): boolean {
  const named = (cs: V1Container[] | undefined) => (cs ?? []).some((c) => c.name === sidecarContainerName);
  return named(pod.spec?.containers) || named(pod.spec?.initContainers);
}

/** Whether `dapr.io/enabled` asks for a sidecar, with a warning when its value is unreadable. */
export function injectionRequested(pod: V1Pod): { enabled: boolean; warning?: string } {
  const spec = annotationTable.enabled;
  const raw = pod.metadata?.annotations?.[spec.key];
  if (raw === undefined) return { enabled: false };
  const r = spec.parse(String(raw));
  if (r.ok) return { enabled: r.value };
  return { enabled: false, warning: `${spec.key}: invalid value ${JSON.stringify(raw)} (expected ${r.expected}); no sidecar injected` };
}

/**
 * Dapr falls back to the pod name. Pods made by controllers have no name yet at
 * admission, only `generateName` ("web-7d9c8-"), so its prefix is used instead.
 */
export function fallbackAppId(pod: V1Pod): string | undefined {
  const name = pod.metadata?.name?.trim();
  if (name) return name;
  const prefix = pod.metadata?.generateName?.replace(/-+$/, "").trim();
  return prefix || undefined;
}

function resolveVolumeMounts(pod: V1Pod, s: SidecarSettings, warnings: string[]): V1VolumeMount[] {
  const podVolumes = new Set((pod.spec?.volumes ?? []).map((v) => v.name));
  const mounts: V1VolumeMount[] = [];
  const paths = new Set<string>();
  const wanted = [
    ...s.volumeMounts.map((m) => ({ ...m, readOnly: true, key: annotationTable.volumeMounts.key })),
    ...s.volumeMountsRw.map((m) => ({ ...m, readOnly: false, key: annotationTable.volumeMountsRw.key })),
  ];
  for (const m of wanted) {
    if (!podVolumes.has(m.volume)) {
      warnings.push(`${m.key}: volume '${m.volume}' is not defined in the pod; not mounted`);
      continue;
    }
    if (paths.has(m.mountPath)) {
      warnings.push(`${m.key}: mount path '${m.mountPath}' is used twice; second mount skipped`);
      continue;
    }
    paths.add(m.mountPath);
    mounts.push({ name: m.volume, mountPath: m.mountPath, readOnly: m.readOnly });
  }
  return mounts;
}

function labelOps(pod: V1Pod, labels: Record<string, string>): JsonPatchOp[] {
  if (!pod.metadata) return [add("/metadata", { labels })];
  // Adding below a missing object fails, so a pod without labels gets the whole map.
  if (!pod.metadata.labels) return [add("/metadata/labels", labels)];
  return Object.entries(labels).map(([k, v]) => add(`/metadata/labels/${escapePointerSegment(k)}`, v));
}

function containerOp(pod: V1Pod, container: V1Container, native: boolean): JsonPatchOp {
  if (native) {
    // First among the init containers: init containers start in order, and a
    // native sidecar placed first is up before any other init container or the app.
    return pod.spec?.initContainers ? add("/spec/initContainers/0", container) : add("/spec/initContainers", [container]);
  }
  return pod.spec?.containers ? add("/spec/containers/-", container) : add("/spec/containers", [container]);
}

export function computeSidecarPatch(pod: V1Pod, config: SidecarPatchConfig): SidecarPatchResult {
  const requested = injectionRequested(pod);
  if (!requested.enabled) return { patch: [], warnings: requested.warning ? [requested.warning] : [] };
  if (hasSidecar(pod)) return { patch: [], warnings: [] };

  const { settings, warnings } = readAnnotations(pod.metadata?.annotations, {
    ...config.defaults,
    enableNativeSidecar: config.defaults.enableNativeSidecar ?? config.nativeSidecar,
  });
  const appId = settings.appId ?? fallbackAppId(pod);
  if (!appId) {
    return { patch: [], warnings: [...warnings, "dapr.io/app-id: not set and the pod has no name to fall back to; no sidecar injected"] };
  }
  warnings.push(...conflictWarnings(settings));
  if (!pod.spec) {
    return { patch: [], warnings: [...warnings, "pod has no spec; no sidecar injected"] };
  }

  const native = settings.enableNativeSidecar === true;
  const volumeMounts = resolveVolumeMounts(pod, settings, warnings);
  const container = buildSidecarContainer({ settings, appId, volumeMounts, native }, config);

  const patch: JsonPatchOp[] = [
    ...labelOps(pod, {
      "dapr.io/sidecar-injected": "true",
      "dapr.io/app-id": appId,
      "dapr.io/metrics-enabled": String(settings.enableMetrics),
    }),
    containerOp(pod, container, native),
    ...appContainerEnvPatch(pod.spec.containers ?? [], appEnvVars(sidecarHttpPort, settings.grpcPort, settings.appProtocol)),
  ];
  return { patch, warnings, appId };
}
