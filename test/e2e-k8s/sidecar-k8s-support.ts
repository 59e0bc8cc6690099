// Helpers for the Kubernetes-mode sidecar tests: the real `dapr-ts sidecar
// --mode kubernetes` process with KUBECONFIG pointing at the API double and
// NAMESPACE set, and YAML applied with the real kubectl.
import path from "node:path";
import { kubectl } from "../kube-api/kubectl.js";
import type { KubeApi } from "../kube-api/server.js";
import { freePort } from "../support/services.js";
import { repoRoot, startSidecar, type SidecarProcess, type SidecarStartOptions } from "../support/sidecar-process.js";

export async function installDaprCrds(api: KubeApi): Promise<void> {
  const r = await kubectl(api, ["apply", "-f", path.join(repoRoot, "crds")]);
  if (r.code !== 0) throw new Error(`installing the CRDs failed: ${r.stderr}`);
}

export async function createNamespace(api: KubeApi, name: string): Promise<void> {
  const r = await kubectl(api, ["create", "namespace", name]);
  if (r.code !== 0) throw new Error(`creating namespace ${name} failed: ${r.stderr}`);
}

/** `kubectl apply -n <namespace> -f -`; throws with kubectl's message on failure. */
export async function apply(api: KubeApi, namespace: string, yaml: string): Promise<void> {
  const r = await kubectl(api, ["apply", "-n", namespace, "-f", "-"], yaml);
  if (r.code !== 0) throw new Error(`kubectl apply failed: ${r.stderr}`);
}

export async function remove(api: KubeApi, namespace: string, kind: string, name: string): Promise<void> {
  const r = await kubectl(api, ["delete", "-n", namespace, kind, name]);
  if (r.code !== 0) throw new Error(`kubectl delete failed: ${r.stderr}`);
}

export interface K8sSidecarOptions extends SidecarStartOptions {
  namespace: string;
  kubeconfigPath: string;
}

/** The sidecar in Kubernetes mode, on free ports (the internal port's default 50002 would collide). */
export async function startK8sSidecar(o: K8sSidecarOptions): Promise<SidecarProcess> {
  return startSidecar({
    ...o,
    args: ["--mode", "kubernetes", "--dapr-internal-grpc-port", String(await freePort()), "--dapr-listen-addresses", "127.0.0.1", ...(o.args ?? [])],
    env: { KUBECONFIG: o.kubeconfigPath, NAMESPACE: o.namespace, ...o.env },
  });
}

export interface MetadataView {
  components: { name: string; type: string }[];
  failedComponents?: { name: string; error: string }[];
}

export async function metadataOf(sc: SidecarProcess): Promise<MetadataView> {
  return (await (await sc.http("/v1.0/metadata")).json()) as MetadataView;
}

export function componentNames(m: MetadataView): string[] {
  return m.components.map((c) => c.name).sort();
}
