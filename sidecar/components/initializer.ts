// Creates and initialises the components of a resource set, as daprd does:
// secret stores first (other components' secretKeyRefs resolve through them),
// scopes honoured, `initTimeout` enforced, `ignoreErrors` respected. A failure
// without ignoreErrors is fatal and names the component and the cause.
import type { Logger } from "../log/logger.js";
import type { ComponentResource, Sourced } from "../resources/types.js";
import { parseGoDuration } from "../util/duration.js";
import type { CategoryAdapters } from "./categories.js";
import type { ComponentHub, LoadedComponent } from "./hub.js";
import { resolveMetadata, type ResolveContext } from "./metadata-resolver.js";
import { categoryOf } from "./registry.js";
import { componentInitCounter, componentLoadedGauge } from "./component-metrics.js";

export class ComponentInitError extends Error {
  constructor(readonly componentName: string, cause: string) {
    super(`failed to initialise component ${componentName}: ${cause}`);
    this.name = "ComponentInitError";
  }
}

export interface InitOptions {
  appId: string;
  namespace: string;
  podName?: string;
  env: NodeJS.ProcessEnv;
  defaultSecretStore?: string;
  logger: Logger;
  adapters: CategoryAdapters;
  hub: ComponentHub;
}

/** True when the resource applies to `appId` (no scopes means every app). */
export function inScope(scopes: string[] | undefined, appId: string): boolean {
  return !scopes || scopes.length === 0 || scopes.includes(appId);
}

export async function initComponents(resources: Sourced<ComponentResource>[], opts: InitOptions): Promise<void> {
  const scoped = resources.filter((r) => {
    const ok = inScope(r.resource.scopes, opts.appId);
    if (!ok) opts.logger.debug("component not in scope for this app", { component: r.resource.metadata.name });
    return ok;
  });
  const secretStores = scoped.filter((r) => categoryOf(r.resource.spec.type) === "secretstores");
  const others = scoped.filter((r) => categoryOf(r.resource.spec.type) !== "secretstores");
  for (const r of secretStores) await initOne(r, opts);
  // Independent components initialise concurrently; start-up time matters.
  await Promise.all(others.map((r) => initOne(r, opts)));
}

export async function initOne(src: Sourced<ComponentResource>, opts: InitOptions): Promise<LoadedComponent | undefined> {
  const res = src.resource;
  const { name } = res.metadata;
  const type = res.spec.type;
  const version = res.spec.version || "v1";
  const category = categoryOf(type);
  const log = opts.logger.child("components", { component: name, type });
  try {
    const adapter = opts.adapters[category];
    if (!adapter) {
      throw new Error(`unknown component category '${category}' in type '${type}'; known categories: ${Object.keys(opts.adapters).sort().join(", ")}`);
    }
    const properties = await resolveMetadata(res, resolveContext(opts));
    const ctx = { name, type, version, properties, appId: opts.appId, namespace: opts.namespace, logger: log };
    const instance = adapter.create(ctx);
    const timeoutMs = res.spec.initTimeout ? parseGoDuration(res.spec.initTimeout) : 5_000;
    await withTimeout(instance.init(), timeoutMs, `init timed out after ${res.spec.initTimeout ?? "5s"}`).catch(async (err) => {
      await instance.close().catch(() => {});
      throw err;
    });
    const loaded: LoadedComponent = {
      name, type, version, category, instance, properties, source: src.source,
      capabilities: adapter.capabilities(instance, properties),
    };
    opts.hub.add(loaded);
    componentInitCounter.inc({ app_id: opts.appId, type, success: "true" });
    componentLoadedGauge.inc({ app_id: opts.appId });
    log.info("component loaded", { version });
    return loaded;
  } catch (err) {
    const cause = err instanceof Error ? err.message : String(err);
    componentInitCounter.inc({ app_id: opts.appId, type, success: "false" });
    opts.hub.addFailure({ name, type, version, error: cause, source: src.source });
    if (res.spec.ignoreErrors) {
      log.warn("component failed to initialise; ignored (ignoreErrors)", { error: cause });
      return undefined;
    }
    log.error("component failed to initialise", { error: cause, source: src.source });
    throw new ComponentInitError(name, cause);
  }
}

function resolveContext(opts: InitOptions): ResolveContext {
  return {
    appId: opts.appId,
    namespace: opts.namespace,
    podName: opts.podName,
    env: opts.env,
    defaultSecretStore: opts.defaultSecretStore,
    lookupSecret: async (store, secretName, key) => {
      const c = opts.hub.find("secretstores", store);
      if (!c) {
        const exists = opts.hub.get(store) ? ` (${store} is not a secret store)` : "";
        throw new Error(`secret store ${store} is not loaded${exists}; needed to resolve secret ${secretName}`);
      }
      const adapter = opts.adapters["secretstores"];
      if (!adapter?.getSecret) throw new Error(`secret store ${store} cannot resolve secrets`);
      const values = await adapter.getSecret(c.instance, secretName);
      if (!(key in values)) throw new Error(`secret ${secretName} in store ${store} has no key ${key}`);
      return values[key]!;
    },
  };
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(message)), ms); });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}
