// The one entry point the runtime uses: resolves the policy for a target
// (named target first, else Dapr's Default* policies from most to least specific)
// and returns a Runner. No policy at all gives `noopRunner`, which just calls fn.
//
// Default policy names (pkg/resiliency getDefaultPolicy), each kind resolved on its own:
//   apps:       DefaultApp{Retry|Timeout|CircuitBreaker}Policy, then Default{...}Policy
//   actors:     DefaultActor{...}Policy, then Default{...}Policy
//   components: Default<Type>Component<Dir>{...}Policy, DefaultComponent<Dir>{...}Policy,
//               DefaultComponent{...}Policy, then Default{...}Policy
//   (<Type> is Statestore, Pubsub, Binding, Secretstore, Configuration, Lock or Crypto;
//    <Dir> is Inbound or Outbound)
// A named target uses only its own policies; defaults never fill its gaps.

import type { Logger } from "../log/logger.js";
import { silentLogger } from "../log/logger.js";
import { CircuitBreaker } from "./circuit-breaker.js";
import { realClock, type Clock } from "./clock.js";
import { decodeResources, defaultEndpointCacheSize, type BreakerTemplate, type PolicyNames, type PolicyTables } from "./decode.js";
import { LruMap } from "./lru.js";
import { metricTarget, recordActivated, recordExecuted, recordLoaded, type FlowDirection, type MetricScope } from "./metrics.js";
import { noopRunner, PolicyRunner, type PolicyDefinition, type PolicyHooks, type Runner, type RunnerDeps } from "./runner.js";
import type { BuiltInPolicyName, ComponentCategory, ResiliencyInput } from "./types.js";

export interface ResiliencyProviderOptions {
  logger: Logger;
  /** This sidecar's app ID: used for `scopes` and the metrics' app_id label. */
  appId: string;
  namespace?: string;
  clock?: Clock;
  /** Source of randomness for exponential back-off jitter (tests pass a fixed one). */
  random?: () => number;
  /** Record Dapr's resiliency metrics (default true). */
  metrics?: boolean;
}

const componentTypeNames: Record<ComponentCategory, string> = {
  state: "Statestore",
  pubsub: "Pubsub",
  bindings: "Binding",
  secretstores: "Secretstore",
  configuration: "Configuration",
  lock: "Lock",
  crypto: "Crypto",
};

type Kind = "Retry" | "Timeout" | "CircuitBreaker";

// Default* levels, most specific first; one array each, so resolved names can be cached by it.
const appLevels: readonly string[] = ["App"];
const actorLevels: readonly string[] = ["Actor"];
const componentLevels = {} as Record<ComponentCategory, Record<"Inbound" | "Outbound", readonly string[]>>;
for (const [category, typeName] of Object.entries(componentTypeNames) as [ComponentCategory, string][]) {
  componentLevels[category] = {
    Inbound: [`${typeName}ComponentInbound`, "ComponentInbound", "Component"],
    Outbound: [`${typeName}ComponentOutbound`, "ComponentOutbound", "Component"],
  };
}

export class ResiliencyProvider {
  /** Problems found while loading, one per skipped entry, naming resource and field. */
  readonly errors: string[];
  readonly warnings: string[];
  private readonly tables: PolicyTables;
  private readonly deps: RunnerDeps;
  private readonly appId: string;
  private readonly metricsOn: boolean;
  /** metadata.name/namespace of the last loaded resource (daprd labels metrics with these). */
  private readonly resName: string;
  private readonly resNamespace: string;
  private readonly serviceBreakers = new Map<string, LruMap<string, CircuitBreaker>>();
  private readonly actorBreakers = new Map<string, LruMap<string, CircuitBreaker>>();
  private readonly componentBreakers = new Map<string, CircuitBreaker>();
  /**
   * Default* names already resolved, per level list: the tables never change once
   * loaded, and resolving builds a dozen names, which adds up at one lookup per call.
   */
  private readonly resolvedDefaults = new Map<readonly string[], PolicyNames>();

  /**
   * `resources` may be plain resources or `{ resource, source }` pairs (as the
   * resource loader produces); a source (file path) is then named in errors.
   */
  constructor(resources: readonly (ResiliencyInput | { resource: ResiliencyInput; source?: string })[], opts: ResiliencyProviderOptions) {
    const logger = opts.logger.child("dapr.resiliency");
    this.deps = { clock: opts.clock ?? realClock, logger, ...(opts.random ? { random: opts.random } : {}) };
    this.appId = opts.appId;
    this.metricsOn = opts.metrics ?? true;

    // `scopes` limits a resource to the listed app IDs.
    const sourced = resources.map((r) =>
      r && typeof r === "object" && "resource" in r && !("spec" in r) ? { resource: r.resource, ...(r.source ? { source: r.source } : {}) } : { resource: r as ResiliencyInput },
    );
    const mine = sourced.filter(({ resource: r }) => !r?.scopes || r.scopes.length === 0 || r.scopes.includes(opts.appId));
    const decoded = decodeResources(mine);
    this.tables = decoded.tables;
    this.errors = decoded.errors;
    this.warnings = decoded.warnings;
    const last = decoded.loaded[decoded.loaded.length - 1];
    this.resName = last?.name ?? "";
    this.resNamespace = last?.namespace ?? "";

    for (const r of decoded.loaded) {
      logger.info(`Loading Resiliency configuration: ${r.name}`);
      if (this.metricsOn) recordLoaded(this.appId, r.name, r.namespace);
    }
    for (const e of this.errors) logger.error(`Could not read resiliency policy: ${e}`);
    for (const w of this.warnings) logger.warn(w);

    // Named app targets get their breaker cache up front, sized as configured.
    for (const [app, t] of this.tables.apps) this.serviceBreakers.set(app, new LruMap(t.cacheSize));
    for (const [actorType, t] of this.tables.actors) this.actorBreakers.set(actorType, new LruMap(t.cacheSize));
  }

  /** A provider with no resources: only Dapr's built-in retries. */
  static empty(opts?: Partial<ResiliencyProviderOptions>): ResiliencyProvider {
    return new ResiliencyProvider([], { logger: silentLogger, appId: "", ...opts });
  }

  /**
   * Service invocation to `appId`. `endpoint` keys the circuit breaker: daprd
   * uses `${appId}:${method}` (and `${url}/${method}` for HTTP endpoints).
   */
  endpointPolicy(appId: string, endpoint: string = appId): Runner {
    const named = this.tables.apps.get(appId);
    const n = named ? named.names : this.defaults(appLevels);
    if (isEmpty(n)) return noopRunner;
    let breaker: CircuitBreaker | undefined;
    const template = n.circuitBreaker ? this.tables.breakers.get(n.circuitBreaker) : undefined;
    if (template) {
      const cache = this.cacheFor(this.serviceBreakers, appId, defaultEndpointCacheSize);
      breaker = this.cached(cache, endpoint, endpoint, template);
    }
    return this.runner(`endpoint[${appId}, ${endpoint}]`, n, breaker, metricTarget.app(appId), "outbound");
  }

  /**
   * Actor calls of `actorType`: timeout per attempt, retry and breaker, as daprd's
   * pre-lock (retry, breaker) and post-lock (timeout) policies together.
   */
  actorPolicy(actorType: string, actorId = ""): Runner {
    const n = this.actorNames(actorType);
    if (isEmpty(n)) return noopRunner;
    return this.runner(`actor[${actorType}, ${actorId}]`, n, this.actorBreaker(actorType, actorId, n), metricTarget.actor(actorType), "outbound");
  }

  /** Only the retry and breaker of the actor policy (daprd applies these before taking the actor lock). */
  actorPreLockPolicy(actorType: string, actorId = ""): Runner {
    const n = { ...this.actorNames(actorType), timeout: "" };
    if (isEmpty(n)) return noopRunner;
    return this.runner(`actor[${actorType}, ${actorId}]`, n, this.actorBreaker(actorType, actorId, n), metricTarget.actor(actorType), "outbound");
  }

  /** Only the timeout of the actor policy (daprd applies it once the actor lock is held). */
  actorPostLockPolicy(actorType: string, actorId = ""): Runner {
    const n = { timeout: this.actorNames(actorType).timeout, retry: "", circuitBreaker: "" };
    if (isEmpty(n)) return noopRunner;
    return this.runner(`actor[${actorType}, ${actorId}]`, n, undefined, metricTarget.actor(actorType), "outbound");
  }

  componentOutbound(name: string, category: ComponentCategory): Runner {
    return this.component(name, category, "Outbound");
  }

  componentInbound(name: string, category: ComponentCategory): Runner {
    return this.component(name, category, "Inbound");
  }

  /** One of Dapr's built-in retry policies (possibly overridden by the user); retry only. */
  builtIn(name: BuiltInPolicyName): Runner {
    const retry = this.tables.retries.get(name);
    if (!retry) return noopRunner;
    return new PolicyRunner({ name, timeoutMs: 0, retry }, this.deps);
  }

  /** True if a named target exists for this app ID, actor type or component name. */
  policyDefined(target: string, kind: "app" | "actor" | "component"): boolean {
    const table = kind === "app" ? this.tables.apps : kind === "actor" ? this.tables.actors : this.tables.components;
    return table.has(target);
  }

  private component(name: string, category: ComponentCategory, dir: "Inbound" | "Outbound"): Runner {
    const typeName = componentTypeNames[category];
    const named = this.tables.components.get(name);
    const n = named
      ? dir === "Inbound" ? named.inbound : named.outbound
      : this.defaults(componentLevels[category][dir]);
    if (isEmpty(n)) return noopRunner;
    let breaker: CircuitBreaker | undefined;
    const template = n.circuitBreaker ? this.tables.breakers.get(n.circuitBreaker) : undefined;
    if (template) {
      // daprd keys component breakers by component name only, so a component's
      // inbound and outbound policies share one breaker.
      breaker = this.componentBreakers.get(name);
      if (!breaker) {
        breaker = this.newBreaker(`${template.name}-${name}`, template);
        this.componentBreakers.set(name, breaker);
      }
    }
    const label = dir === "Inbound" ? "input" : "output";
    return this.runner(`component[${name}] ${label}`, n, breaker, metricTarget.component(name, typeName), dir === "Inbound" ? "inbound" : "outbound");
  }

  private actorNames(actorType: string): PolicyNames {
    const named = this.tables.actors.get(actorType);
    return named ? named.names : this.defaults(actorLevels);
  }

  private actorBreaker(actorType: string, actorId: string, n: PolicyNames): CircuitBreaker | undefined {
    const template = n.circuitBreaker ? this.tables.breakers.get(n.circuitBreaker) : undefined;
    if (!template) return undefined;
    const named = this.tables.actors.get(actorType);
    // Default policies and scope "type" share one breaker per actor type;
    // scopes "id" and "both" get one per actor instance.
    const key = !named || named.scope === "type" ? actorType : `${actorType}-${actorId}`;
    const cache = this.cacheFor(this.actorBreakers, actorType, defaultEndpointCacheSize);
    return this.cached(cache, key, key, template);
  }

  private cacheFor(caches: Map<string, LruMap<string, CircuitBreaker>>, key: string, size: number): LruMap<string, CircuitBreaker> {
    let cache = caches.get(key);
    if (!cache) {
      cache = new LruMap(size);
      caches.set(key, cache);
    }
    return cache;
  }

  private cached(cache: LruMap<string, CircuitBreaker>, key: string, name: string, template: BreakerTemplate): CircuitBreaker {
    let cb = cache.get(key);
    if (!cb) {
      cb = this.newBreaker(name, template);
      cache.set(key, cb);
    }
    return cb;
  }

  private newBreaker(name: string, template: BreakerTemplate): CircuitBreaker {
    const cb = new CircuitBreaker(name, template.settings, this.deps.clock);
    cb.onStateChange((from, to) => this.deps.logger.info(`Circuit breaker "${name}" changed state from ${from} to ${to}`));
    return cb;
  }

  /** Resolves Default* policy names, each kind on its own, most specific level first. */
  private defaults(levels: readonly string[]): PolicyNames {
    const known = this.resolvedDefaults.get(levels);
    if (known) return known;
    const pick = (kind: Kind, has: (n: string) => boolean): string => {
      for (const level of levels) {
        const name = `Default${level}${kind}Policy`;
        if (has(name)) return name;
      }
      const top = `Default${kind}Policy`;
      return has(top) ? top : "";
    };
    const names: PolicyNames = Object.freeze({
      retry: pick("Retry", (n) => this.tables.retries.has(n)),
      timeout: pick("Timeout", (n) => this.tables.timeouts.has(n)),
      circuitBreaker: pick("CircuitBreaker", (n) => this.tables.breakers.has(n)),
    });
    this.resolvedDefaults.set(levels, names);
    return names;
  }

  private runner(name: string, n: PolicyNames, breaker: CircuitBreaker | undefined, target: string, direction: FlowDirection): Runner {
    const timeoutMs = n.timeout ? (this.tables.timeouts.get(n.timeout) ?? 0) : 0;
    const retry = n.retry ? this.tables.retries.get(n.retry) : undefined;
    if (timeoutMs <= 0 && !retry && !breaker) return noopRunner;
    const def: PolicyDefinition = { name, timeoutMs, ...(retry ? { retry } : {}), ...(breaker ? { breaker } : {}) };
    if (this.metricsOn) def.hooks = this.hooks(def, { appId: this.appId, name: this.resName, namespace: this.resNamespace, direction, target });
    return new PolicyRunner(def, this.deps);
  }

  private hooks(def: PolicyDefinition, scope: MetricScope): PolicyHooks {
    return {
      executed: () => {
        if (def.timeoutMs > 0) recordExecuted(scope, "timeout");
        if (def.retry) recordExecuted(scope, "retry");
        if (def.breaker) recordExecuted(scope, "circuitbreaker", def.breaker.state);
      },
      timeoutActivated: () => recordActivated(scope, "timeout"),
      retryActivated: () => recordActivated(scope, "retry"),
      breakerStateChanged: (state) => recordActivated(scope, "circuitbreaker", state),
    };
  }
}

function isEmpty(n: PolicyNames): boolean {
  return n.timeout === "" && n.retry === "" && n.circuitBreaker === "";
}
