// Runs `dapr-ts operator` in-process (its real main(), real flags) against a
// Kubernetes API double, and helpers to wait for what it writes.
import { loadCrds } from "../../sidecar/resources/crd-schema.js";
import { main } from "../../operator/main.js";
import type { RunningOperator } from "../../operator/operator.js";
import type { KubeApi } from "../kube-api/server.js";
import type { KubeObject } from "../kube-api/object-store.js";
import { eventually } from "../kube-api/test-client.js";

export interface OperatorHandle {
  operator: RunningOperator;
  healthzPort?: number;
  metricsPort?: number;
  /** Stops it like SIGTERM; resolves with main()'s exit code. */
  stop(): Promise<number>;
}

export interface HarnessOptions {
  identity?: string;
  namespace?: string;
  extraArgs?: string[];
}

/** Registers the repository's dapr.io CRDs (crds/*.yaml) with the double. */
export async function installDaprCrds(api: KubeApi): Promise<void> {
  for (const crd of loadCrds()) {
    if (!api.get("apiextensions.k8s.io/v1", "CustomResourceDefinition", crd.metadata.name)) await api.create(crd as unknown as KubeObject);
  }
}

export async function startOperatorFor(api: KubeApi, opts: HarnessOptions = {}): Promise<OperatorHandle> {
  const ac = new AbortController();
  let info!: { operator: RunningOperator; healthzPort?: number; metricsPort?: number };
  let exited!: Promise<number>;
  await new Promise<void>((resolve, reject) => {
    exited = main(
      [
        "--kubeconfig", api.kubeconfigPath,
        "--namespace", opts.namespace ?? "dapr-system",
        "--pod-name", opts.identity ?? "operator-0",
        "--healthz-port", "0",
        "--metrics-port", "0",
        "--log-level", "error",
        // Short lease timings so takeover tests run in about a second.
        "--lease-duration", "1500ms",
        "--renew-deadline", "1s",
        "--retry-period", "200ms",
        ...(opts.extraArgs ?? []),
      ],
      { env: {}, signal: ac.signal, baseRetryDelayMs: 20, onReady: (i) => ((info = i), resolve()) },
    );
    exited.then((code) => reject(new Error(`operator exited early with ${code}`)), reject);
  });
  return { ...info, stop: async () => (ac.abort(), exited) };
}

export function readyCondition(obj: KubeObject | undefined): { status: string; reason: string; message: string; lastTransitionTime: string } | undefined {
  const conditions = (obj?.status as { conditions?: { type: string; status: string; reason: string; message: string; lastTransitionTime: string }[] } | undefined)?.conditions;
  return conditions?.find((c) => c.type === "Ready");
}

/** Waits until the object's Ready condition is `status` (for its current generation), and returns the condition. */
export function waitForReady(api: KubeApi, kind: string, name: string, status: "True" | "False", namespace = "default", timeoutMs = 15_000, apiVersion = "dapr.io/v1alpha1") {
  return eventually(() => {
    const obj = api.get(apiVersion, kind, name, namespace);
    const c = readyCondition(obj);
    const observed = (obj?.status as { observedGeneration?: number } | undefined)?.observedGeneration;
    return c && c.status === status && observed === obj?.metadata.generation ? c : undefined;
  }, timeoutMs, `${kind} ${namespace}/${name} Ready=${status}`);
}
