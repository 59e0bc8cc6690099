// Turns Resiliency resources into lookup tables, checking what the schema cannot:
// durations parse, CEL trips compile, status-code patterns are valid, names that
// targets refer to exist. A bad entry is reported (naming the resource and the
// field) and skipped; everything else still loads.
// Several resources merge into one set of tables, later ones overriding earlier
// names, as in daprd.

import { parseMillisOrGoDuration } from "../util/duration.js";
import { defaultRetryConfig, type RetryConfig } from "./backoff.js";
import type { BreakerSettings } from "./circuit-breaker.js";
import type { RetryPolicy } from "./runner.js";
import { StatusCodeFilter } from "./status-codes.js";
import { compileTrip } from "./trip-expression.js";
import type { PolicyNamesSpec, ResiliencyInput, RetrySpec, CircuitBreakerSpec } from "./types.js";

export interface PolicyNames {
  timeout: string;
  retry: string;
  circuitBreaker: string;
}

export type ActorBreakerScope = "type" | "id" | "both";

export interface BreakerTemplate {
  name: string;
  settings: BreakerSettings;
}

export interface PolicyTables {
  timeouts: Map<string, number>;
  retries: Map<string, RetryPolicy>;
  breakers: Map<string, BreakerTemplate>;
  apps: Map<string, { names: PolicyNames; cacheSize: number }>;
  actors: Map<string, { names: PolicyNames; scope: ActorBreakerScope; cacheSize: number }>;
  components: Map<string, { inbound: PolicyNames; outbound: PolicyNames }>;
}

export interface DecodeResult {
  tables: PolicyTables;
  /** One line per skipped entry: `resiliency "<name>": <field>: <why>`. */
  errors: string[];
  /** Entries that load but may not behave as the author expects. */
  warnings: string[];
  /** Resources that loaded (even partially), in order; for metrics. */
  loaded: { name: string; namespace: string }[];
}

export const defaultEndpointCacheSize = 100;
export const defaultActorCacheSize = 5000;

const builtInNames = new Set([
  "DaprBuiltInServiceRetries",
  "DaprBuiltInActorRetries",
  "DaprBuiltInActorReminderRetries",
  "DaprBuiltInInitializationRetries",
  "DaprBuiltInActorNotFoundRetries",
]);
/** Built-ins users may not override at all. */
const protectedNames = new Set(["DaprBuiltInActorNotFoundRetries"]);

/**
 * Dapr's built-in retries (pkg/resiliency addBuiltInPolicies). The reminder one
 * leaves MaxRetries at Go's zero value, which cenkalti/backoff treats as "no
 * retry"; we keep that rather than the 15-minute behaviour the docs describe.
 */
function builtInRetries(): [string, RetryConfig][] {
  const d = defaultRetryConfig();
  return [
    ["DaprBuiltInServiceRetries", { ...d, policy: "constant", maxRetries: 3, durationMs: 1000 }],
    ["DaprBuiltInActorRetries", { ...d, policy: "constant", maxRetries: 3, durationMs: 1000 }],
    [
      "DaprBuiltInActorReminderRetries",
      { ...d, policy: "exponential", initialIntervalMs: 500, randomizationFactor: 0.5, multiplier: 1.5, maxIntervalMs: 60_000, maxElapsedTimeMs: 15 * 60_000, maxRetries: 0 },
    ],
    [
      "DaprBuiltInInitializationRetries",
      { ...d, policy: "exponential", initialIntervalMs: 500, maxRetries: 3, maxIntervalMs: 1000, maxElapsedTimeMs: 10_000, durationMs: 2000, multiplier: 1.5, randomizationFactor: 0.5 },
    ],
    ["DaprBuiltInActorNotFoundRetries", { ...d, policy: "constant", maxRetries: 5, durationMs: 1000 }],
  ];
}

function emptyTables(): PolicyTables {
  const tables: PolicyTables = {
    timeouts: new Map(),
    retries: new Map(),
    breakers: new Map(),
    apps: new Map(),
    actors: new Map(),
    components: new Map(),
  };
  for (const [name, config] of builtInRetries()) tables.retries.set(name, { config, filter: StatusCodeFilter.all });
  return tables;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function decodeRetry(spec: RetrySpec): RetryConfig {
  const c = defaultRetryConfig();
  if (spec.policy !== undefined && spec.policy !== "") {
    const p = String(spec.policy).toLowerCase();
    if (p !== "constant" && p !== "exponential") throw new Error(`policy: unexpected back off policy type: ${spec.policy}`);
    c.policy = p;
  }
  if (spec.duration !== undefined && spec.duration !== "") c.durationMs = field("duration", () => parseMillisOrGoDuration(spec.duration!));
  if (spec.maxInterval !== undefined && spec.maxInterval !== "") {
    c.maxIntervalMs = field("maxInterval", () => parseMillisOrGoDuration(spec.maxInterval!));
  }
  if (spec.maxRetries !== undefined && spec.maxRetries !== null) {
    const n = Number(spec.maxRetries);
    if (!Number.isInteger(n)) throw new Error(`maxRetries: invalid int ${JSON.stringify(spec.maxRetries)}`);
    c.maxRetries = n;
  }
  return c;
}

function decodeBreaker(spec: CircuitBreakerSpec): { settings: BreakerSettings; warning?: string } {
  const settings: BreakerSettings = { maxRequests: 0, intervalMs: 0, timeoutMs: 0 };
  let warning: string | undefined;
  if (spec.maxRequests !== undefined && spec.maxRequests !== null) {
    const n = Number(spec.maxRequests);
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new Error(`maxRequests: invalid uint32 ${JSON.stringify(spec.maxRequests)}`);
    settings.maxRequests = n;
  }
  if (spec.interval !== undefined && spec.interval !== "") settings.intervalMs = field("interval", () => parseMillisOrGoDuration(spec.interval!));
  if (spec.timeout !== undefined && spec.timeout !== "") settings.timeoutMs = field("timeout", () => parseMillisOrGoDuration(spec.timeout!));
  if (spec.trip !== undefined && spec.trip !== "") {
    const compiled = field("trip", () => compileTrip(String(spec.trip)));
    settings.trip = compiled.fn;
    warning = compiled.warning === undefined ? undefined : `trip: ${compiled.warning}`;
  }
  return warning === undefined ? { settings } : { settings, warning };
}

/** Prefixes an error from `fn` with the sub-field it came from. */
function field<T>(name: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw new Error(`${name}: ${message(err)}`);
  }
}

function names(spec: PolicyNamesSpec | undefined): PolicyNames {
  const s = record(spec);
  const str = (v: unknown) => (typeof v === "string" ? v : "");
  return { timeout: str(s.timeout), retry: str(s.retry), circuitBreaker: str(s.circuitBreaker) };
}

function cacheSize(v: unknown, fallback: number): number {
  const n = Number(v ?? 0);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

/** The value if it is a plain object, else an empty one (wrong types are reported by the caller). */
function record<T = unknown>(v: unknown): Record<string, T> {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, T>) : {};
}

function isRecordOrAbsent(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === "object" && !Array.isArray(v));
}

/** A resource, optionally with where it came from (a file path), for error messages. */
export interface SourcedInput {
  resource: ResiliencyInput;
  source?: string;
}

export function decodeResources(resources: readonly SourcedInput[]): DecodeResult {
  const tables = emptyTables();
  const errors: string[] = [];
  const warnings: string[] = [];
  const loaded: { name: string; namespace: string }[] = [];
  // Target references are checked once every resource is in, since a target may
  // use a policy defined in another resource.
  const references: { where: string; names: PolicyNames }[] = [];

  for (const { resource: res, source } of resources) {
    const resName = res?.metadata?.name ?? "";
    const origin = source ? ` (${source})` : "";
    const at = (path: string) => `resiliency ${JSON.stringify(resName)}${origin}: ${path}`;
    if (!res || typeof res !== "object" || !res.spec || typeof res.spec !== "object") {
      errors.push(at("spec: missing"));
      continue;
    }
    const spec = record(res.spec);
    const policies = record(spec.policies);
    const targets = record(spec.targets);
    const sections: [string, unknown][] = [
      ["spec.policies", spec.policies],
      ["spec.targets", spec.targets],
      ["spec.policies.timeouts", policies.timeouts],
      ["spec.policies.retries", policies.retries],
      ["spec.policies.circuitBreakers", policies.circuitBreakers],
      ["spec.targets.apps", targets.apps],
      ["spec.targets.actors", targets.actors],
      ["spec.targets.components", targets.components],
    ];
    for (const [path, value] of sections) if (!isRecordOrAbsent(value)) errors.push(`${at(path)}: must be a map`);

    for (const [name, value] of Object.entries(record<string | number>(policies.timeouts))) {
      try {
        if (typeof value !== "string" && typeof value !== "number") throw new Error(`invalid duration ${JSON.stringify(value)}`);
        tables.timeouts.set(name, parseMillisOrGoDuration(value));
      } catch (err) {
        errors.push(`${at(`spec.policies.timeouts.${name}`)}: ${message(err)}`);
      }
    }

    for (const [name, spec] of Object.entries(record<RetrySpec>(policies.retries))) {
      const path = `spec.policies.retries.${name}`;
      if (protectedNames.has(name)) {
        warnings.push(`${at(path)}: ${name} is a protected built-in policy and cannot be overridden; the default is used`);
        continue;
      }
      try {
        const config = decodeRetry(record(spec) as RetrySpec);
        if (builtInNames.has(name) && config.maxRetries < 3) {
          warnings.push(`${at(path)}: override of ${name} did not meet the minimum retry count; resetting maxRetries to 3`);
          config.maxRetries = 3;
        }
        const filter = field("matching", () => StatusCodeFilter.parse(record(record(spec).matching)));
        tables.retries.set(name, { config, filter });
      } catch (err) {
        errors.push(`${at(path)}.${message(err)}`);
      }
    }

    for (const [name, spec] of Object.entries(record<CircuitBreakerSpec>(policies.circuitBreakers))) {
      const path = `spec.policies.circuitBreakers.${name}`;
      try {
        const { settings, warning } = decodeBreaker(record(spec) as CircuitBreakerSpec);
        if (warning) warnings.push(`${at(path)}.${warning}`);
        tables.breakers.set(name, { name, settings });
      } catch (err) {
        errors.push(`${at(path)}.${message(err)}`);
      }
    }

    for (const [app, spec] of Object.entries(record<{ circuitBreakerCacheSize?: number } & PolicyNamesSpec>(targets.apps))) {
      const n = names(spec);
      tables.apps.set(app, { names: n, cacheSize: cacheSize(spec?.circuitBreakerCacheSize, defaultEndpointCacheSize) });
      references.push({ where: at(`spec.targets.apps.${app}`), names: n });
    }

    for (const [actorType, spec] of Object.entries(record<{ circuitBreakerScope?: string; circuitBreakerCacheSize?: number } & PolicyNamesSpec>(targets.actors))) {
      const path = `spec.targets.actors.${actorType}`;
      const n = names(spec);
      let scope: ActorBreakerScope = "type";
      if (n.circuitBreaker !== "") {
        const raw = spec?.circuitBreakerScope ?? "";
        if (raw === "") {
          errors.push(`${at(path)}.circuitBreakerScope: actor circuit breakers must include scope`);
          continue;
        }
        if (raw !== "type" && raw !== "id" && raw !== "both") {
          errors.push(`${at(path)}.circuitBreakerScope: unknown circuit breaker scope ${JSON.stringify(raw)}`);
          continue;
        }
        scope = raw;
      }
      tables.actors.set(actorType, { names: n, scope, cacheSize: cacheSize(spec?.circuitBreakerCacheSize, defaultActorCacheSize) });
      references.push({ where: at(path), names: n });
    }

    for (const [component, spec] of Object.entries(record<{ inbound?: PolicyNamesSpec; outbound?: PolicyNamesSpec }>(targets.components))) {
      const inbound = names(spec?.inbound);
      const outbound = names(spec?.outbound);
      tables.components.set(component, { inbound, outbound });
      references.push({ where: at(`spec.targets.components.${component}.inbound`), names: inbound });
      references.push({ where: at(`spec.targets.components.${component}.outbound`), names: outbound });
    }

    loaded.push({ name: resName, namespace: res.metadata?.namespace ?? "" });
  }

  // A reference to a policy that does not exist applies nothing (as in daprd,
  // where the lookup finds no policy); report it and drop it.
  for (const ref of references) {
    const n = ref.names;
    if (n.timeout !== "" && !tables.timeouts.has(n.timeout)) {
      errors.push(`${ref.where}.timeout: timeout policy ${JSON.stringify(n.timeout)} is not defined`);
      n.timeout = "";
    }
    if (n.retry !== "" && !tables.retries.has(n.retry)) {
      errors.push(`${ref.where}.retry: retry policy ${JSON.stringify(n.retry)} is not defined`);
      n.retry = "";
    }
    if (n.circuitBreaker !== "" && !tables.breakers.has(n.circuitBreaker)) {
      errors.push(`${ref.where}.circuitBreaker: circuit breaker policy ${JSON.stringify(n.circuitBreaker)} is not defined`);
      n.circuitBreaker = "";
    }
  }

  return { tables, errors, warnings, loaded };
}
