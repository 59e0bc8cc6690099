// A test kubelet: watches Pods on the Kubernetes API double and runs each
// pod's containers as local processes, so the whole Kubernetes path (chart,
// webhook injection, operator, sidecar in kubernetes mode) runs for real
// without a cluster.
//
// What it emulates, and how:
// - Images: each image maps to a local command (the container's entrypoint);
//   the container's own `args` follow unchanged, as in a real runtime.
// - The pod network namespace: every pod would own its ports, but here all
//   pods share 127.0.0.1. So each port number a pod uses (containerPorts, the
//   daprd port flags, the DAPR_*_PORT/APP_PORT env values) is remapped to a
//   free local port, the same remap for every container of the pod, so that
//   the app and its sidecar still agree with each other.
// - Env: literal values, the downward API (metadata.name/namespace, podIP)
//   and Secret references read from the double.
// - Cluster DNS: Services' selectors are matched against running pods and
//   written to a JSON file `{"<svc>.<ns>.svc.cluster.local:<port>":
//   "127.0.0.1:<local port>"}`, which the sidecar's Kubernetes resolver
//   reads when DAPR_TS_K8S_HOSTS_FILE names it.
import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync, renameSync } from "node:fs";
import { CoreV1Api, makeInformer, type Informer, type ObjectCache, type V1Container, type V1Pod } from "@kubernetes/client-node";
import type { KubeApi } from "../kube-api/server.js";
import { freePort } from "../support/services.js";

/** daprd flags whose value is a port of the pod (both `--flag N` and `--flag=N`). */
const portFlags = new Set(["--dapr-http-port", "--dapr-grpc-port", "--dapr-internal-grpc-port", "--dapr-public-port", "--metrics-port", "--app-port"]);
/** Env variables whose value is a port of the pod. */
const portEnv = new Set(["DAPR_HTTP_PORT", "DAPR_GRPC_PORT", "APP_PORT"]);

export interface TestKubeletOptions {
  api: KubeApi;
  /** image -> local entrypoint (argv before the container's args). An unmapped image fails the pod. */
  images: Record<string, string[]>;
  /** Where cluster DNS is written (the sidecar's DAPR_TS_K8S_HOSTS_FILE). */
  dnsFile: string;
  /** Env added to every image's process before the container's own (e.g. NODE_OPTIONS for the preload). */
  imageEnv?: Record<string, Record<string, string>>;
  /** Env for every process (e.g. KUBECONFIG, which a real pod's service account replaces). */
  env?: Record<string, string>;
}

export interface RunningContainer {
  name: string;
  image: string;
  proc: ChildProcess;
  /** A restartable init container (native sidecar): started before and stopped after the others. */
  native: boolean;
  output: () => string;
}

export interface RunningPod {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  /** The pod's port number -> local port. */
  ports: Map<number, number>;
  containers: RunningContainer[];
  /** Why the pod could not start (unmapped image, missing secret ...). */
  error?: string;
}

type PortName = { name?: string; containerPort: number };

export class TestKubelet {
  private readonly pods = new Map<string, RunningPod>();
  private readonly starting = new Set<Promise<void>>();
  private informer?: Informer<V1Pod> & ObjectCache<V1Pod>;
  private dnsTimer?: NodeJS.Timeout;
  private lastDns = "";
  private stopped = false;

  constructor(private readonly o: TestKubeletOptions) {}

  async start(): Promise<void> {
    const kc = this.o.api.kubeConfig();
    const core = kc.makeApiClient(CoreV1Api);
    this.informer = makeInformer<V1Pod>(kc, "/api/v1/pods", () => core.listPodForAllNamespaces());
    this.informer.on("add", (pod) => this.track(this.runPod(pod)));
    this.informer.on("delete", (pod) => this.track(this.stopPod(key(pod))));
    // A dropped watch is restarted: pods created meanwhile arrive as adds.
    this.informer.on("error", () => setTimeout(() => void (!this.stopped && this.informer?.start().catch(() => {})), 100));
    this.writeDns();
    this.dnsTimer = setInterval(() => this.writeDns(), 100);
    await this.informer.start();
  }

  /** The pods it runs in `namespace` (with their port maps and processes), for tests. */
  running(namespace = "default"): RunningPod[] {
    return [...this.pods.values()].filter((p) => p.namespace === namespace);
  }

  /** The local port serving `port` of the pod; throws when the pod or port is unknown. */
  portOf(pod: RunningPod, port: number): number {
    const local = pod.ports.get(port);
    if (local === undefined) throw new Error(`pod ${pod.name} has no port ${port}`);
    return local;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.dnsTimer);
    await this.informer?.stop();
    await Promise.allSettled([...this.starting]);
    await Promise.all([...this.pods.keys()].map((k) => this.stopPod(k)));
  }

  private track(p: Promise<void>): void {
    const done: Promise<void> = p.catch(() => {}).finally(() => this.starting.delete(done));
    this.starting.add(done);
  }

  private async runPod(pod: V1Pod): Promise<void> {
    const k = key(pod);
    if (this.stopped || this.pods.has(k)) return;
    const spec = pod.spec!;
    // Native sidecars (restartable init containers) start first, as in Kubernetes.
    const all = [...(spec.initContainers ?? []).filter((c) => c.restartPolicy === "Always"), ...spec.containers];
    const running: RunningPod = { name: pod.metadata!.name!, namespace: pod.metadata!.namespace!, labels: pod.metadata?.labels ?? {}, ports: new Map(), containers: [] };
    this.pods.set(k, running);
    try {
      for (const port of podPorts(all)) running.ports.set(port, await freePort());
      for (const c of all) {
        const entry = this.o.images[c.image ?? ""];
        if (!entry) throw new Error(`no local command for image '${c.image}' (container ${c.name})`);
        const env = { ...this.o.env, ...this.o.imageEnv?.[c.image!], ...this.containerEnv(pod, c, running.ports) };
        const args = remapArgs(c.args ?? [], running.ports);
        if (this.stopped) return;
        const proc = spawn(entry[0]!, [...entry.slice(1), ...args], { env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env }, stdio: ["ignore", "pipe", "pipe"] });
        let out = "";
        proc.stdout!.on("data", (d) => (out += d));
        proc.stderr!.on("data", (d) => (out += d));
        running.containers.push({ name: c.name, image: c.image!, proc, native: c.restartPolicy === "Always", output: () => out });
      }
    } catch (err) {
      running.error = (err as Error).message;
    }
  }

  private containerEnv(pod: V1Pod, c: V1Container, ports: Map<number, number>): Record<string, string> {
    const env: Record<string, string> = {};
    for (const e of c.env ?? []) {
      let value = e.value ?? "";
      const field = e.valueFrom?.fieldRef?.fieldPath;
      if (field === "metadata.name") value = pod.metadata!.name!;
      else if (field === "metadata.namespace") value = pod.metadata!.namespace!;
      else if (field === "metadata.uid") value = pod.metadata!.uid ?? "";
      else if (field === "status.podIP" || field === "status.hostIP") value = "127.0.0.1";
      else if (field) throw new Error(`container ${c.name}: unsupported fieldRef '${field}'`);
      const ref = e.valueFrom?.secretKeyRef;
      if (ref) {
        const secret = this.o.api.get("v1", "Secret", ref.name!, pod.metadata!.namespace);
        const data = (secret?.data as Record<string, string> | undefined)?.[ref.key];
        if (data === undefined) throw new Error(`container ${c.name}: secret ${ref.name}/${ref.key} not found`);
        value = Buffer.from(data, "base64").toString();
      }
      env[e.name] = portEnv.has(e.name) && ports.has(Number(value)) ? String(ports.get(Number(value))) : value;
    }
    return env;
  }

  private async stopPod(k: string): Promise<void> {
    const pod = this.pods.get(k);
    if (!pod) return;
    this.pods.delete(k);
    // Regular containers stop together; native sidecars after them (they outlive the app, KEP-753).
    await Promise.all(pod.containers.filter((c) => !c.native).map((c) => stopProcess(c.proc)));
    await Promise.all(pod.containers.filter((c) => c.native).map((c) => stopProcess(c.proc)));
  }

  /** Cluster DNS: each Service port resolves to the matching running pod's local port. */
  private writeDns(): void {
    const table: Record<string, string> = {};
    for (const svc of this.o.api.list("v1", "Service")) {
      const spec = svc.spec as { selector?: Record<string, string>; ports?: { port: number; targetPort?: number | string }[] } | undefined;
      const selector = spec?.selector;
      if (!selector || Object.keys(selector).length === 0) continue;
      const pod = [...this.pods.values()].find((p) => p.namespace === svc.metadata.namespace && !p.error && Object.entries(selector).every(([l, v]) => p.labels[l] === v));
      if (!pod) continue;
      for (const port of spec?.ports ?? []) {
        const target = typeof port.targetPort === "number" ? port.targetPort : port.targetPort === undefined ? port.port : Number(port.targetPort);
        const local = pod.ports.get(target);
        if (local !== undefined) table[`${svc.metadata.name}.${svc.metadata.namespace}.svc.cluster.local:${port.port}`] = `127.0.0.1:${local}`;
      }
    }
    const text = JSON.stringify(table);
    if (text === this.lastDns) return;
    this.lastDns = text;
    // Written whole and renamed, so a reader never sees half a file.
    writeFileSync(`${this.o.dnsFile}.tmp`, text);
    renameSync(`${this.o.dnsFile}.tmp`, this.o.dnsFile);
  }
}

function key(pod: V1Pod): string {
  return `${pod.metadata?.namespace}/${pod.metadata?.name}`;
}

/** Every port number the pod's containers declare or are told to use. */
function podPorts(containers: V1Container[]): Set<number> {
  const out = new Set<number>();
  for (const c of containers) {
    for (const p of (c.ports ?? []) as PortName[]) out.add(p.containerPort);
    const args = c.args ?? [];
    args.forEach((a, i) => {
      const [flag, inline] = a.split("=", 2) as [string, string?];
      if (!portFlags.has(flag)) return;
      const n = Number(inline ?? args[i + 1]);
      if (Number.isInteger(n) && n > 0) out.add(n);
    });
    for (const e of c.env ?? []) if (portEnv.has(e.name) && e.value && Number.isInteger(Number(e.value))) out.add(Number(e.value));
  }
  return out;
}

/** The container's args with every port flag's value remapped; everything else as the injector wrote it. */
export function remapArgs(args: string[], ports: Map<number, number>): string[] {
  const out = [...args];
  out.forEach((a, i) => {
    const [flag, inline] = a.split("=", 2) as [string, string?];
    if (!portFlags.has(flag)) return;
    if (inline !== undefined) {
      const mapped = ports.get(Number(inline));
      if (mapped !== undefined) out[i] = `${flag}=${mapped}`;
    } else if (i + 1 < out.length) {
      const mapped = ports.get(Number(out[i + 1]));
      if (mapped !== undefined) out[i + 1] = String(mapped);
    }
  });
  return out;
}

/** SIGTERM, then SIGKILL after 5 s: a process must never outlive the test. */
async function stopProcess(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((r) => proc.once("exit", () => r()));
  proc.kill("SIGTERM");
  const timer = setTimeout(() => proc.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}
