// Helpers for the Kubernetes-mode sidecar tests: the real `dapr-ts sidecar
// --mode kubernetes` process with KUBECONFIG pointing at the API double and
// NAMESPACE set, and YAML applied with the real kubectl.
import path from "node:path";
import { stringify as toYaml } from "yaml";
import { kubectl } from "../kube-api/kubectl.js";
import type { KubeApi } from "../kube-api/server.js";
import { freePort, services, uniqueName } from "../support/services.js";
import { repoRoot, startSidecar, type SidecarProcess, type SidecarStartOptions } from "../support/sidecar-process.js";

export async function installDaprCrds(api: KubeApi): Promise<void> {
  const r = await kubectl(api, ["apply", "-f", path.join(repoRoot, "crds")]);
  if (r.code !== 0) throw new Error(`installing the CRDs failed: ${r.stderr}`);
}

export async function createNamespace(api: KubeApi, name: string): Promise<void> {
  const r = await kubectl(api, ["create", "namespace", name]);
  if (r.code !== 0) throw new Error(`creating namespace ${name} failed: ${r.stderr}`);
}

/** Creates a namespace named after `prefix` that no other test uses, and returns its name. */
export async function freshNamespace(api: KubeApi, prefix: string): Promise<string> {
  const ns = uniqueName(prefix).toLowerCase().slice(0, 50);
  await createNamespace(api, ns);
  return ns;
}

export type MetadataItem = { name: string; value: string } | { name: string; secretKeyRef: { name: string; key: string } };

/** A Component as YAML for kubectl. */
export function component(name: string, type: string, metadata: MetadataItem[] = [], scopes?: string[]): string {
  return toYaml({ apiVersion: "dapr.io/v1alpha1", kind: "Component", metadata: { name }, spec: { type, version: "v1", metadata }, ...(scopes ? { scopes } : {}) });
}

/** A state.redis Component on the test Redis, with `metadata` after its redisHost. */
export function redisStore(name: string, ...metadata: MetadataItem[]): string {
  return component(name, "state.redis", [{ name: "redisHost", value: `${services.redis.host}:${services.redis.port}` }, ...metadata]);
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
