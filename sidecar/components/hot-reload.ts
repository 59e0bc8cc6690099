// Hot reload of components: a created, changed or deleted Component takes
// effect without a restart. The rules, as in daprd:
//   - the new definition is initialised first, beside the old one;
//   - if that fails, the old component stays in service and the failure is
//     reported (log + metadata `failedComponents`);
//   - if it succeeds, it replaces the old one in the hub at once (new calls
//     go to it) and the old one is closed once its in-flight calls finish.
// In-flight calls are counted by `InFlightTracker`, which wraps each instance
// in a Proxy: the building-block cores keep calling `hub.find(...).instance.x()`
// unchanged, and every call is counted until its promise settles.
import { ComponentHub, type FailedComponent, type LoadedComponent } from "./hub.js";
import { inScope, initOne, type InitOptions } from "./initializer.js";
import { componentLoadedGauge } from "./component-metrics.js";
import type { ComponentResource, Sourced } from "../resources/types.js";

interface Count {
  n: number;
  idle: (() => void)[];
}

/** Counts the calls in flight on component instances it has wrapped. */
export class InFlightTracker {
  private readonly counts = new WeakMap<object, Count>();
  private readonly wrapped = new WeakSet<object>();

  /**
   * A Proxy of `instance` that counts each method call until its result
   * settles. Methods run with the real instance as `this`, so private fields
   * and internal calls work as before (internal calls are not counted twice).
   */
  wrap<T extends object>(instance: T): T {
    if (this.wrapped.has(instance)) return instance;
    const count: Count = { n: 0, idle: [] };
    const done = () => {
      if (--count.n === 0) for (const fn of count.idle.splice(0)) fn();
    };
    const proxy = new Proxy(instance, {
      get: (target, prop) => {
        const value = Reflect.get(target, prop, target) as unknown;
        if (typeof value !== "function" || prop === "constructor") return value;
        return (...args: unknown[]) => {
          count.n++;
          let result: unknown;
          try {
            result = (value as (...a: unknown[]) => unknown).apply(target, args);
          } catch (err) {
            done();
            throw err;
          }
          if (result && typeof (result as PromiseLike<unknown>).then === "function") {
            (result as PromiseLike<unknown>).then(done, done);
          } else {
            done();
          }
          return result;
        };
      },
    });
    this.counts.set(proxy, count);
    this.wrapped.add(proxy);
    return proxy;
  }

  /** Calls in flight on a wrapped instance (0 for one never wrapped). */
  inFlight(instance: object): number {
    return this.counts.get(instance)?.n ?? 0;
  }

  /** Resolves true once no call is in flight, or false when `timeoutMs` passes first. */
  drain(instance: object, timeoutMs: number): Promise<boolean> {
    const count = this.counts.get(instance);
    if (!count || count.n === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const onIdle = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        count.idle = count.idle.filter((f) => f !== onIdle);
        resolve(false);
      }, timeoutMs);
      timer.unref();
      count.idle.push(onIdle);
    });
  }
}

/**
 * Where `initOne` puts its result during a reload: held back until the swap,
 * while lookups (secret stores for secretKeyRefs) still see the live hub.
 */
class StagingHub extends ComponentHub {
  staged?: LoadedComponent;
  failure?: FailedComponent;

  constructor(private readonly live: ComponentHub) {
    super();
  }

  override add(c: LoadedComponent): void {
    this.staged = c;
  }

  override addFailure(f: FailedComponent): void {
    this.failure = f;
  }

  override get(name: string): LoadedComponent | undefined {
    return this.live.get(name);
  }

  override find(category: string, name: string): LoadedComponent | undefined {
    return this.live.find(category, name);
  }
}

/** How long a replaced instance stays open before in-flight calls are counted (see closeWhenIdle). */
const SETTLE_MS = 100;

export type ReloadOutcome = "loaded" | "replaced" | "unchanged" | "failed" | "removed" | "out-of-scope";

export interface ReloadResult {
  name: string;
  outcome: ReloadOutcome;
  /** Why the reload failed (the old component, if any, is still in service). */
  error?: string;
}

export interface ComponentReloaderOptions {
  /** How `initOne` initialises components; its `hub` is the live hub. */
  init: InitOptions;
  tracker?: InFlightTracker;
  /** How long an old component may keep serving in-flight calls before it is closed anyway. */
  drainTimeoutMs?: number;
  /**
   * Called after a component was added, replaced or removed, before the old
   * instance is closed: e.g. pub/sub re-subscribes on the new instance here.
   */
  onSwapped?: (name: string, category: string) => Promise<void> | void;
}

/** What decides whether an update needs a reload: status-only updates do not. */
function fingerprint(r: ComponentResource): string {
  return JSON.stringify({ spec: r.spec, scopes: r.scopes ?? [], auth: r.auth ?? {} });
}

export class ComponentReloader {
  readonly tracker: InFlightTracker;
  private readonly hub: ComponentHub;
  private readonly applied = new Map<string, string>();
  // One reload at a time per component name, in the order the changes arrived.
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly background = new Set<Promise<void>>();

  constructor(private readonly opts: ComponentReloaderOptions) {
    this.tracker = opts.tracker ?? new InFlightTracker();
    this.hub = opts.init.hub;
  }

  /**
   * Takes over the components loaded at start-up: wraps them for in-flight
   * tracking and remembers their definitions, so a later identical update is
   * recognised as unchanged.
   */
  adopt(initial: Sourced<ComponentResource>[]): void {
    for (const r of initial) this.applied.set(r.resource.metadata.name, fingerprint(r.resource));
    for (const c of this.hub.list()) this.hub.add({ ...c, instance: this.tracker.wrap(c.instance) });
  }

  /** A Component was created or changed. */
  apply(src: Sourced<ComponentResource>): Promise<ReloadResult> {
    return this.enqueue(src.resource.metadata.name, () => this.applyNow(src));
  }

  /** A Component was deleted. */
  remove(name: string): Promise<ReloadResult> {
    return this.enqueue(name, () => this.removeNow(name));
  }

  /** Resolves when every reload queued so far, and the closing of old instances, is done. */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.queues.values()]);
    await Promise.allSettled([...this.background]);
  }

  private enqueue(name: string, fn: () => Promise<ReloadResult>): Promise<ReloadResult> {
    const prev = this.queues.get(name) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    this.queues.set(name, next);
    void next.finally(() => {
      if (this.queues.get(name) === next) this.queues.delete(name);
    });
    return next;
  }

  private async applyNow(src: Sourced<ComponentResource>): Promise<ReloadResult> {
    const res = src.resource;
    const name = res.metadata.name;
    const log = this.opts.init.logger.child("hot-reload", { component: name });
    if (!inScope(res.scopes, this.opts.init.appId)) {
      // Scoped away from this app: behave as a delete.
      if (this.hub.get(name)) await this.removeNow(name);
      this.applied.delete(name);
      return { name, outcome: "out-of-scope" };
    }
    const print = fingerprint(res);
    if (this.applied.get(name) === print && this.hub.get(name)) return { name, outcome: "unchanged" };

    const staging = new StagingHub(this.hub);
    try {
      await initOne(src, { ...this.opts.init, hub: staging });
    } catch {
      // initOne logged it and recorded the failure in the staging hub.
    }
    const fresh = staging.staged;
    if (!fresh) {
      const error = staging.failure?.error ?? "initialisation failed";
      if (staging.failure) this.hub.addFailure(staging.failure);
      const kept = this.hub.get(name);
      log.error(kept ? "component reload failed; the previous definition stays in service" : "component failed to load", { error });
      return { name, outcome: "failed", error };
    }

    const old = this.hub.get(name);
    this.hub.add({ ...fresh, instance: this.tracker.wrap(fresh.instance) });
    this.applied.set(name, print);
    log.info(old ? "component replaced" : "component added", { type: fresh.type, version: fresh.version });
    await this.afterSwap(name, fresh.category, old);
    return { name, outcome: old ? "replaced" : "loaded" };
  }

  private async removeNow(name: string): Promise<ReloadResult> {
    const old = this.hub.remove(name);
    this.applied.delete(name);
    if (!old) return { name, outcome: "removed" };
    this.opts.init.logger.child("hot-reload", { component: name }).info("component removed");
    await this.afterSwap(name, old.category, old);
    return { name, outcome: "removed" };
  }

  /** Lets dependants move to the new instance, then closes the old one once idle (in the background). */
  private async afterSwap(name: string, category: string, old: LoadedComponent | undefined): Promise<void> {
    try {
      await this.opts.onSwapped?.(name, category);
    } catch (err) {
      this.opts.init.logger.error("reacting to a component change failed", { component: name, error: (err as Error).message });
    }
    if (!old) return;
    // initOne counted the new instance as loaded; the old one is going away.
    componentLoadedGauge.dec({ app_id: this.opts.init.appId });
    const closing = this.closeWhenIdle(old);
    this.background.add(closing);
    void closing.finally(() => this.background.delete(closing));
  }

  private async closeWhenIdle(old: LoadedComponent): Promise<void> {
    const log = this.opts.init.logger.child("hot-reload", { component: old.name });
    // A caller that looked the component up just before the swap may call it a
    // few ticks later (after an await in its resiliency runner): let it start.
    await new Promise((r) => setTimeout(r, SETTLE_MS).unref());
    const drained = await this.tracker.drain(old.instance, this.opts.drainTimeoutMs ?? 5_000);
    if (!drained) log.warn("closing the old component with calls still in flight (drain timeout)", { in_flight: this.tracker.inFlight(old.instance) });
    try {
      await old.instance.close();
    } catch (err) {
      log.warn("closing the old component failed", { error: (err as Error).message });
    }
  }
}
