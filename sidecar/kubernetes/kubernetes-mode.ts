// What `Sidecar.start()` calls in `--mode kubernetes`: load the resources from
// the API server (answering "not ready" on the health endpoints while it
// cannot be reached), then keep them current (hot reload) until stopped.
import type { KubeConfig } from "@kubernetes/client-node";
import type { InitOptions } from "../components/initializer.js";
import type { ComponentReloader } from "../components/hot-reload.js";
import type { Logger } from "../log/logger.js";
import { emptyResourceSet, type ResourceSet } from "../resources/types.js";
import type { SidecarOptions } from "../runtime/flags.js";
import { KubernetesResources } from "./kubernetes-resources.js";
import { startNotReadyServer, type NotReadyServer } from "./not-ready-server.js";
import type { SwappablePolicies } from "./swappable-policies.js";

export interface KubernetesMode {
  /** Swapped when a Resiliency changes; give it to the runtime context as `policies`. */
  readonly policies: SwappablePolicies;
  /** Resolves with the resources once the API server answered; rejects when `signal` aborts. */
  load(signal: AbortSignal): Promise<ResourceSet>;
  /** Call once the initial components are in the hub and the blocks are built. */
  startHotReload(deps: { set: ResourceSet; init: InitOptions; gracefulShutdownSeconds: number; shared: Map<string, unknown> }): ComponentReloader;
  /** Resolves when the changes received so far are applied. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

export interface KubernetesModeOptions {
  /** --disable-builtin-k8s-secret-store */
  disableBuiltinSecretStore?: boolean;
  /** Tests: a KubeConfig instead of KUBECONFIG / the service account. */
  kubeConfig?: KubeConfig;
}

export function kubernetesMode(opts: SidecarOptions, logger: Logger, extra: KubernetesModeOptions = {}): KubernetesMode {
  const resources = new KubernetesResources({
    appId: opts.appId,
    namespace: opts.namespace,
    configName: opts.config,
    logger,
    builtinSecretStore: !extra.disableBuiltinSecretStore,
    kubeConfig: extra.kubeConfig,
  });
  return {
    policies: resources.policies,
    async load(signal) {
      const set = emptyResourceSet();
      let standIn: Promise<NotReadyServer> | undefined;
      let lastReason = "waiting for the Kubernetes API server";
      try {
        await resources.load(set, signal, (why) => {
          lastReason = `waiting for the Kubernetes API server: ${why}`;
          standIn ??= startNotReadyServer(opts.appId, healthEndpoints(opts), () => lastReason);
        });
      } finally {
        if (standIn) await (await standIn).close();
      }
      return set;
    },
    startHotReload: ({ set, init, gracefulShutdownSeconds, shared }) =>
      resources.startHotReload({ set, init, shared, drainTimeoutMs: Math.max(1, gracefulShutdownSeconds) * 1000 }),
    idle: () => resources.idle(),
    stop: () => resources.stop(),
  };
}

/** Where the real servers will answer health checks: the HTTP API (SDKs wait there) and the public port (probes). */
function healthEndpoints(opts: SidecarOptions): { port: number; address: string }[] {
  const out = opts.listenAddresses.map((address) => ({ port: opts.daprHttpPort, address }));
  if (opts.daprPublicPort !== undefined) out.push({ port: opts.daprPublicPort, address: "0.0.0.0" });
  return out;
}
