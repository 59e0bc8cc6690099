// The sidecar's resources in Kubernetes mode: Components, Subscriptions and
// Resiliencies of its namespace (NAMESPACE) and the Configuration named by
// --config, read from the API server with the pod's service account (or
// KUBECONFIG outside a cluster), then kept current by watching:
//   Component    -> ComponentReloader (new one first; failure keeps the old)
//   Subscription -> the pub/sub block re-subscribes (hook `pubsub.reloadSubscriptions`)
//   Resiliency   -> a new ResiliencyProvider is swapped in
// Scopes are honoured where each kind is used (initializer, pub/sub block,
// resiliency provider), exactly as for resources read from files.
import { CustomObjectsApi, KubeConfig, type KubernetesObject } from "@kubernetes/client-node";
import { ComponentReloader } from "../components/hot-reload.js";
import { RELOAD_INPUT_BINDING_HOOK, RELOAD_SUBSCRIPTIONS_HOOK } from "../runtime/reload-hooks.js";
import type { InitOptions } from "../components/initializer.js";
import type { Logger } from "../log/logger.js";
import { ResiliencyProvider } from "../resiliency/index.js";
import type { ResourceSet, Sourced } from "../resources/types.js";
import { BUILTIN_SECRET_STORE, builtinSecretStore } from "./builtin-secret-store.js";
import { configurationKind, toResource, type WatchedKind } from "./dapr-kinds.js";
import { ResourceWatcher, type ChangeType } from "./resource-watcher.js";
import { backoffMs, sleep } from "./retry.js";
import { SwappablePolicies } from "./swappable-policies.js";

/** Key in `BlockContext.shared` of the pub/sub block's re-subscribe function. */
export { RELOAD_SUBSCRIPTIONS_HOOK } from "../runtime/reload-hooks.js";

export interface KubernetesResourcesOptions {
  appId: string;
  namespace: string;
  /** --config: the Configuration to read (none: defaults). */
  configName?: string;
  logger: Logger;
  /** Adds the `kubernetes` secret store (default true; false with --disable-builtin-k8s-secret-store). */
  builtinSecretStore?: boolean;
  /** For tests; by default KUBECONFIG, else the in-cluster service account. */
  kubeConfig?: KubeConfig;
}

export interface HotReloadDeps {
  /** The live resource set the blocks were given; kept current in place. */
  set: ResourceSet;
  init: InitOptions;
  /** How long a replaced component may finish in-flight calls before it is closed. */
  drainTimeoutMs: number;
  /** The blocks' shared map, where the pub/sub block puts RELOAD_SUBSCRIPTIONS_HOOK. */
  shared: Map<string, unknown>;
}

export function loadKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  // In a pod: the service account's token and CA; outside: KUBECONFIG or ~/.kube/config.
  kc.loadFromDefault();
  if (!kc.getCurrentCluster()) throw new Error("no Kubernetes cluster configured: run in a pod or set KUBECONFIG");
  return kc;
}

export class KubernetesResources {
  readonly policies = new SwappablePolicies();
  private readonly kc: KubeConfig;
  private readonly watcher: ResourceWatcher;
  private readonly log: Logger;
  private reloader?: ComponentReloader;
  private deps?: HotReloadDeps;
  // Changes are applied one at a time, in arrival order.
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly opts: KubernetesResourcesOptions) {
    this.kc = opts.kubeConfig ?? loadKubeConfig();
    this.log = opts.logger.child("kubernetes");
    this.watcher = new ResourceWatcher(this.kc, opts.namespace, this.log);
  }

  /**
   * Fills `set` (in place) from the API server. While the API server cannot be
   * reached it retries with back-off, logging each failure; it returns once
   * every kind was listed, or rejects when `signal` aborts.
   */
  async load(set: ResourceSet, signal: AbortSignal, onWaiting?: (why: string) => void): Promise<void> {
    let warned = 0;
    await this.watcher.synced(signal, (why) => {
      onWaiting?.(why);
      // Every retry at debug, one in ten at warn: visible, not flooding.
      if (warned++ % 10 === 0) this.log.warn("waiting for the Kubernetes API server", { error: why });
      else this.log.debug("waiting for the Kubernetes API server", { error: why });
    });
    for (const kind of ["Component", "Subscription", "Resiliency"] as const) {
      for (const obj of this.watcher.list(kind)) this.upsert(set, kind, obj);
    }
    // A Component of the namespace named `kubernetes` takes the built-in store's place, as in daprd.
    const named = set.components.some((c) => c.resource.metadata.name === BUILTIN_SECRET_STORE);
    if ((this.opts.builtinSecretStore ?? true) && !named) set.components.unshift(builtinSecretStore(this.opts.namespace));
    if (this.opts.configName) await this.loadConfiguration(set, this.opts.configName, signal);
    this.policies.swap(this.provider(set));
    this.log.info("resources loaded from the API server", {
      components: set.components.length, subscriptions: set.subscriptions.length, resiliencies: set.resiliencies.length,
    });
  }

  /** After the initial components are initialised: apply every later change without a restart. */
  startHotReload(deps: HotReloadDeps): ComponentReloader {
    this.deps = deps;
    const reloader = new ComponentReloader({
      init: deps.init,
      drainTimeoutMs: deps.drainTimeoutMs,
      // A replaced pub/sub component must get the subscriptions the old one had;
      // a replaced input binding must be read again (the old instance stops when closed).
      onSwapped: (name, category) => (category === "pubsub" ? this.reloadSubscriptions() : category === "bindings" ? this.reloadInputBinding(name) : undefined),
    });
    reloader.adopt(deps.set.components);
    this.reloader = reloader;
    this.watcher.onChange((kind, type, obj) => {
      this.queue = this.queue.then(() => this.onChange(kind, type, obj)).catch((err: unknown) => {
        this.log.error("applying a resource change failed", { kind, name: obj.metadata?.name, error: (err as Error).message });
      });
    });
    return reloader;
  }

  /** Resolves when the changes received so far are applied (tests, benchmarks). */
  async idle(): Promise<void> {
    await this.queue;
    await this.reloader?.idle();
  }

  async stop(): Promise<void> {
    await this.watcher.stop();
  }

  private async onChange(kind: WatchedKind, type: ChangeType, obj: KubernetesObject): Promise<void> {
    const { set } = this.deps!;
    const name = obj.metadata?.name ?? "";
    this.log.debug("resource changed", { kind, name, change: type });
    if (type === "delete") this.removeFrom(set, kind, name);
    else if (!this.upsert(set, kind, obj)) return;
    switch (kind) {
      case "Component": {
        const src = set.components.find((c) => c.resource.metadata.name === name);
        // Not awaited: a slow component (up to its initTimeout) must not hold up other changes.
        // The reloader keeps the order of changes per component name.
        const reload = type === "delete" || !src ? this.reloader!.remove(name) : this.reloader!.apply(src);
        reload.catch((err: unknown) => this.log.error("component reload failed", { component: name, error: (err as Error).message }));
        return;
      }
      case "Subscription":
        await this.reloadSubscriptions();
        return;
      case "Resiliency":
        this.policies.swap(this.provider(set));
        this.log.info("resiliency policies reloaded", { resiliency: name, change: type });
        return;
    }
  }

  /** Adds or replaces the resource in `set`; false (and logged) when it cannot be read. */
  private upsert(set: ResourceSet, kind: WatchedKind, obj: KubernetesObject): boolean {
    const name = obj.metadata?.name ?? "";
    try {
      const list = listOf(set, kind);
      const next = toResource(kind as "Component", obj) as Sourced<never>;
      const i = list.findIndex((r) => r.resource.metadata.name === name);
      if (i >= 0) list[i] = next;
      else list.push(next);
      return true;
    } catch (err) {
      const message = (err as Error).message;
      set.errors.push(message);
      this.log.error("invalid resource skipped", { error: message });
      return false;
    }
  }

  private removeFrom(set: ResourceSet, kind: WatchedKind, name: string): void {
    const list = listOf(set, kind);
    const i = list.findIndex((r) => r.resource.metadata.name === name);
    if (i >= 0) list.splice(i, 1);
  }

  private async reloadSubscriptions(): Promise<void> {
    const hook = this.deps?.shared.get(RELOAD_SUBSCRIPTIONS_HOOK);
    if (typeof hook === "function") await (hook as () => Promise<void>)();
    else this.log.warn("subscriptions changed, but the pub/sub block offers no reload hook; they apply at the next restart");
  }

  private async reloadInputBinding(name: string): Promise<void> {
    const hook = this.deps?.shared.get(RELOAD_INPUT_BINDING_HOOK);
    if (typeof hook === "function") await (hook as (n: string) => Promise<void>)(name);
  }

  private provider(set: ResourceSet): ResiliencyProvider {
    const provider = new ResiliencyProvider(set.resiliencies, { logger: this.opts.logger.child("resiliency"), appId: this.opts.appId, namespace: this.opts.namespace });
    for (const e of provider.errors) this.log.error("resiliency policy skipped", { error: e });
    return provider;
  }

  /** The Configuration is read once (daprd too applies a changed Configuration at restart). */
  private async loadConfiguration(set: ResourceSet, name: string, signal: AbortSignal): Promise<void> {
    const api = this.kc.makeApiClient(CustomObjectsApi);
    const k = configurationKind;
    for (let attempt = 0; !signal.aborted; attempt++) {
      try {
        const obj = (await api.getNamespacedCustomObject({ group: k.group, version: k.version, namespace: this.opts.namespace, plural: k.plural, name })) as KubernetesObject;
        set.configurations.push(toResource("Configuration", obj));
        return;
      } catch (err) {
        if ((err as { code?: number }).code === 404) {
          const message = `Configuration ${name} not found in namespace ${this.opts.namespace} (--config); using the default configuration`;
          set.errors.push(message);
          this.log.error(message);
          return;
        }
        this.log.warn("cannot read the Configuration; retrying", { configuration: name, error: (err as Error).message });
        await sleep(backoffMs(attempt), signal);
      }
    }
  }
}

function listOf(set: ResourceSet, kind: WatchedKind): Sourced<{ metadata: { name: string } }>[] {
  switch (kind) {
    case "Component": return set.components;
    case "Subscription": return set.subscriptions;
    case "Resiliency": return set.resiliencies;
  }
}
