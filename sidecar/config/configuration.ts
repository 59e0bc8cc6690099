// The typed model of a `dapr.io/v1alpha1 Configuration` resource, with daprd's
// defaults (pkg/config LoadDefaultConfiguration + the Get* helpers):
// tracing.otel.isSecure true, otel timeout 10s, metrics enabled, HTTP metrics with
// increased cardinality, accessControl {defaultAction: allow, trustDomain: public}
// (user fields are merged over these, so an omitted defaultAction stays "allow",
// exactly as daprd's decode-over-defaults does), features from the list.
// `metrics` (plural) overrides `metric` field by field, as daprd's sortMetricsSpec.
// Wrong types are reported per field and the default is kept: parsing never throws.

import { parseGoDuration, parseMillisOrGoDuration } from "../util/duration.js";
import type { AccessControlSpec, AppPolicySpec } from "./access-control.js";
import { validateSecretScopes, type SecretsScope } from "./secret-scopes.js";

export interface HandlerSpec {
  name: string;
  type: string;
  version: string;
  selector: { fields: { field: string; value: string }[] };
}

export interface MetricsRule {
  name: string;
  labels: { name: string; regex: Record<string, string> }[];
}

export interface ApiAccessRule {
  name: string;
  version: string;
  /** Lower-cased: "http", "grpc" or "" (unset). */
  protocol: string;
}

export interface MetricSpec {
  enabled: boolean;
  recordErrorCodes: boolean;
  http: { increasedCardinality: boolean; pathMatching: string[]; excludeVerbs: boolean };
  /** Empty means Dapr's default latency buckets. */
  latencyDistributionBuckets: number[];
  rules: MetricsRule[];
}

export interface Configuration {
  name: string;
  namespace: string;
  tracing: {
    /** As written ("" when unset); see `samplingRate()` for the effective value. */
    samplingRate: string;
    stdout: boolean;
    zipkin: { endpointAddress: string };
    otel: { endpointAddress: string; isSecure: boolean; protocol: string; headers: Record<string, string>; timeoutMs: number };
  };
  metric: MetricSpec;
  mtls: { enabled: boolean; workloadCertTTL: string; allowedClockSkew: string; sentryAddress: string; controlPlaneTrustDomain: string; tokenValidators: { name: string; options: Record<string, unknown> }[] };
  secrets: { scopes: SecretsScope[] };
  accessControl: AccessControlSpec;
  nameResolution?: { component: string; version: string; configuration: unknown };
  features: { name: string; enabled: boolean }[];
  api: { allowed?: ApiAccessRule[]; denied?: ApiAccessRule[] };
  httpPipeline: { handlers: HandlerSpec[] };
  appHttpPipeline: { handlers: HandlerSpec[] };
  components: { deny: string[] };
  logging: { apiLogging: { enabled: boolean; obfuscateURLs: boolean; omitHealthChecks: boolean } };
  wasm: { strictSandbox: boolean };
  workflow: {
    /** Undefined = no limit (daprd ignores values <= 0). */
    maxConcurrentWorkflowInvocations?: number;
    maxConcurrentActivityInvocations?: number;
    /** Milliseconds to keep finished workflows' state, per outcome. */
    stateRetentionPolicy: { anyTerminal?: number; completed?: number; failed?: number; terminated?: number };
  };
}

export function defaultConfiguration(): Configuration {
  return {
    name: "",
    namespace: "",
    tracing: {
      samplingRate: "",
      stdout: false,
      zipkin: { endpointAddress: "" },
      otel: { endpointAddress: "", isSecure: true, protocol: "", headers: {}, timeoutMs: 10_000 },
    },
    metric: {
      enabled: true,
      recordErrorCodes: false,
      http: { increasedCardinality: true, pathMatching: [], excludeVerbs: false },
      latencyDistributionBuckets: [],
      rules: [],
    },
    mtls: { enabled: false, workloadCertTTL: "", allowedClockSkew: "", sentryAddress: "", controlPlaneTrustDomain: "", tokenValidators: [] },
    secrets: { scopes: [] },
    accessControl: { defaultAction: "allow", trustDomain: "public" },
    features: [],
    api: {},
    httpPipeline: { handlers: [] },
    appHttpPipeline: { handlers: [] },
    components: { deny: [] },
    logging: { apiLogging: { enabled: false, obfuscateURLs: false, omitHealthChecks: false } },
    wasm: { strictSandbox: false },
    workflow: { stateRetentionPolicy: {} },
  };
}

type Obj = Record<string, unknown>;

/** Reads typed fields off untrusted objects, recording one error per bad field. */
class Reader {
  constructor(readonly errors: string[]) {}

  obj(v: unknown, path: string): Obj | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v === "object" && !Array.isArray(v)) return v as Obj;
    this.errors.push(`${path}: must be an object`);
    return undefined;
  }

  arr(v: unknown, path: string): unknown[] | undefined {
    if (v === undefined || v === null) return undefined;
    if (Array.isArray(v)) return v;
    this.errors.push(`${path}: must be a list`);
    return undefined;
  }

  str(v: unknown, path: string, fallback: string): string {
    if (v === undefined || v === null) return fallback;
    if (typeof v === "string") return v;
    // YAML turns `samplingRate: 1` into a number; daprd's string field accepts it.
    if (typeof v === "number" || typeof v === "boolean") return String(v);
    this.errors.push(`${path}: must be a string`);
    return fallback;
  }

  bool(v: unknown, path: string, fallback: boolean): boolean {
    if (v === undefined || v === null) return fallback;
    if (typeof v === "boolean") return v;
    if (v === "true" || v === "false") return v === "true";
    this.errors.push(`${path}: must be true or false`);
    return fallback;
  }

  int(v: unknown, path: string): number | undefined {
    if (v === undefined || v === null) return undefined;
    const n = typeof v === "string" && /^[+-]?\d+$/.test(v) ? Number(v) : v;
    if (typeof n === "number" && Number.isInteger(n)) return n;
    this.errors.push(`${path}: must be an integer`);
    return undefined;
  }

  strList(v: unknown, path: string): string[] {
    return (this.arr(v, path) ?? []).map((x, i) => this.str(x, `${path}[${i}]`, ""));
  }
}

function handlers(r: Reader, v: unknown, path: string): { handlers: HandlerSpec[] } {
  const o = r.obj(v, path);
  const list = r.arr(o?.handlers, `${path}.handlers`) ?? [];
  return {
    handlers: list.map((h, i) => {
      const p = `${path}.handlers[${i}]`;
      const ho = r.obj(h, p) ?? {};
      const sel = r.obj(ho.selector, `${p}.selector`);
      const fields = (r.arr(sel?.fields, `${p}.selector.fields`) ?? []).map((f, j) => {
        const fo = r.obj(f, `${p}.selector.fields[${j}]`) ?? {};
        return { field: r.str(fo.field, `${p}.selector.fields[${j}].field`, ""), value: r.str(fo.value, `${p}.selector.fields[${j}].value`, "") };
      });
      return {
        name: r.str(ho.name, `${p}.name`, ""),
        type: r.str(ho.type, `${p}.type`, ""),
        version: r.str(ho.version, `${p}.version`, ""),
        selector: { fields },
      };
    }),
  };
}

/** Applies one `metric`/`metrics` block over `into`, only for the fields it sets. */
function metricBlock(r: Reader, v: unknown, path: string, into: MetricSpec): void {
  const o = r.obj(v, path);
  if (!o) return;
  into.enabled = r.bool(o.enabled, `${path}.enabled`, into.enabled);
  into.recordErrorCodes = r.bool(o.recordErrorCodes, `${path}.recordErrorCodes`, into.recordErrorCodes);
  const http = r.obj(o.http, `${path}.http`);
  if (http) {
    into.http = {
      increasedCardinality: r.bool(http.increasedCardinality, `${path}.http.increasedCardinality`, true),
      pathMatching: r.strList(http.pathMatching, `${path}.http.pathMatching`),
      excludeVerbs: r.bool(http.excludeVerbs, `${path}.http.excludeVerbs`, false),
    };
  }
  if (o.latencyDistributionBuckets !== undefined) {
    into.latencyDistributionBuckets = (r.arr(o.latencyDistributionBuckets, `${path}.latencyDistributionBuckets`) ?? [])
      .map((b, i) => r.int(b, `${path}.latencyDistributionBuckets[${i}]`))
      .filter((b): b is number => b !== undefined);
  }
  const rules = r.arr(o.rules, `${path}.rules`);
  if (rules && rules.length > 0) {
    into.rules = rules.map((rule, i) => {
      const ro = r.obj(rule, `${path}.rules[${i}]`) ?? {};
      const labels = (r.arr(ro.labels, `${path}.rules[${i}].labels`) ?? []).map((l, j) => {
        const lo = r.obj(l, `${path}.rules[${i}].labels[${j}]`) ?? {};
        const regex: Record<string, string> = {};
        for (const [k, val] of Object.entries(r.obj(lo.regex, `${path}.rules[${i}].labels[${j}].regex`) ?? {})) {
          regex[k] = r.str(val, `${path}.rules[${i}].labels[${j}].regex.${k}`, "");
        }
        return { name: r.str(lo.name, `${path}.rules[${i}].labels[${j}].name`, ""), regex };
      });
      return { name: r.str(ro.name, `${path}.rules[${i}].name`, ""), labels };
    });
  }
}

/** OTLP headers: "k=v,k2=v2" (values URL-unescaped) or a list of {name, value}. */
function otelHeaders(r: Reader, v: unknown, path: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (v === undefined || v === null || v === "") return out;
  if (typeof v === "string") {
    for (const pair of v.split(",")) {
      const eq = pair.indexOf("=");
      const key = eq < 0 ? "" : pair.slice(0, eq).trim();
      if (eq < 0 || !/^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/.test(key)) {
        r.errors.push(`${path}: invalid header ${JSON.stringify(pair)}`);
        continue;
      }
      try {
        out[key] = decodeURIComponent(pair.slice(eq + 1)).trim();
      } catch {
        r.errors.push(`${path}: invalid escape in header ${JSON.stringify(pair)}`);
      }
    }
    return out;
  }
  (r.arr(v, path) ?? []).forEach((h, i) => {
    const ho = r.obj(h, `${path}[${i}]`) ?? {};
    const name = r.str(ho.name, `${path}[${i}].name`, "");
    if (name) out[name] = r.str(ho.value, `${path}[${i}].value`, "");
  });
  return out;
}

function accessControl(r: Reader, v: unknown, path: string, defaults: AccessControlSpec): AccessControlSpec {
  const o = r.obj(v, path);
  if (!o) return defaults;
  const out: AccessControlSpec = {
    defaultAction: r.str(o.defaultAction, `${path}.defaultAction`, defaults.defaultAction ?? ""),
    trustDomain: r.str(o.trustDomain, `${path}.trustDomain`, defaults.trustDomain ?? ""),
  };
  const policies = r.arr(o.policies, `${path}.policies`);
  if (policies) {
    out.policies = policies.map((p, i): AppPolicySpec => {
      const pp = `${path}.policies[${i}]`;
      const po = r.obj(p, pp) ?? {};
      const policy: AppPolicySpec = {
        appId: r.str(po.appId, `${pp}.appId`, ""),
        defaultAction: r.str(po.defaultAction, `${pp}.defaultAction`, ""),
        trustDomain: r.str(po.trustDomain, `${pp}.trustDomain`, ""),
        namespace: r.str(po.namespace, `${pp}.namespace`, ""),
      };
      const ops = r.arr(po.operations, `${pp}.operations`);
      if (ops) {
        policy.operations = ops.map((op, j) => {
          const oo = r.obj(op, `${pp}.operations[${j}]`) ?? {};
          return {
            name: r.str(oo.name, `${pp}.operations[${j}].name`, ""),
            httpVerb: r.strList(oo.httpVerb, `${pp}.operations[${j}].httpVerb`),
            action: r.str(oo.action, `${pp}.operations[${j}].action`, ""),
          };
        });
      }
      return policy;
    });
  }
  return out;
}

function apiRules(r: Reader, v: unknown, path: string): ApiAccessRule[] | undefined {
  const list = r.arr(v, path);
  if (!list) return undefined;
  return list.map((rule, i) => {
    const o = r.obj(rule, `${path}[${i}]`) ?? {};
    return {
      name: r.str(o.name, `${path}[${i}].name`, ""),
      version: r.str(o.version, `${path}[${i}].version`, ""),
      protocol: r.str(o.protocol, `${path}[${i}].protocol`, "").toLowerCase(),
    };
  });
}

/**
 * Parses a Configuration resource (or just its spec, or undefined for "none")
 * into the typed model. Problems are returned per field; the rest still applies.
 */
export function parseConfiguration(input: unknown): { config: Configuration; errors: string[] } {
  const errors: string[] = [];
  const r = new Reader(errors);
  const config = defaultConfiguration();
  if (input === undefined || input === null) return { config, errors };
  const root = r.obj(input, "configuration");
  if (!root) return { config, errors };

  const isResource = "spec" in root || "kind" in root || "apiVersion" in root || "metadata" in root;
  const meta = isResource ? r.obj(root.metadata, "metadata") : undefined;
  config.name = r.str(meta?.name, "metadata.name", "");
  config.namespace = r.str(meta?.namespace, "metadata.namespace", "");
  const spec = isResource ? (r.obj(root.spec, "spec") ?? {}) : root;
  const at = (f: string) => `spec.${f}`;

  const tracing = r.obj(spec.tracing, at("tracing"));
  if (tracing) {
    const t = config.tracing;
    t.samplingRate = r.str(tracing.samplingRate, at("tracing.samplingRate"), t.samplingRate);
    if (t.samplingRate !== "" && !Number.isFinite(Number(t.samplingRate))) {
      errors.push(`${at("tracing.samplingRate")}: ${JSON.stringify(t.samplingRate)} is not a number`);
    }
    t.stdout = r.bool(tracing.stdout, at("tracing.stdout"), t.stdout);
    t.zipkin.endpointAddress = r.str(r.obj(tracing.zipkin, at("tracing.zipkin"))?.endpointAddress, at("tracing.zipkin.endpointAddress"), "");
    const otel = r.obj(tracing.otel, at("tracing.otel"));
    if (otel) {
      t.otel.endpointAddress = r.str(otel.endpointAddress, at("tracing.otel.endpointAddress"), "");
      t.otel.isSecure = r.bool(otel.isSecure, at("tracing.otel.isSecure"), true);
      t.otel.protocol = r.str(otel.protocol, at("tracing.otel.protocol"), "").toLowerCase();
      if (t.otel.protocol !== "" && t.otel.protocol !== "grpc" && t.otel.protocol !== "http") {
        errors.push(`${at("tracing.otel.protocol")}: must be grpc or http, got ${JSON.stringify(t.otel.protocol)}`);
      }
      t.otel.headers = otelHeaders(r, otel.headers, at("tracing.otel.headers"));
      if (otel.timeout !== undefined && otel.timeout !== null) {
        try {
          const ms = parseMillisOrGoDuration(otel.timeout as string | number);
          if (ms > 0) t.otel.timeoutMs = ms;
        } catch (err) {
          errors.push(`${at("tracing.otel.timeout")}: ${(err as Error).message}`);
        }
      }
    }
  }

  metricBlock(r, spec.metric, at("metric"), config.metric);
  metricBlock(r, spec.metrics, at("metrics"), config.metric);

  const mtls = r.obj(spec.mtls, at("mtls"));
  if (mtls) {
    const m = config.mtls;
    m.enabled = r.bool(mtls.enabled, at("mtls.enabled"), false);
    m.workloadCertTTL = r.str(mtls.workloadCertTTL, at("mtls.workloadCertTTL"), "");
    m.allowedClockSkew = r.str(mtls.allowedClockSkew, at("mtls.allowedClockSkew"), "");
    m.sentryAddress = r.str(mtls.sentryAddress, at("mtls.sentryAddress"), "");
    m.controlPlaneTrustDomain = r.str(mtls.controlPlaneTrustDomain, at("mtls.controlPlaneTrustDomain"), "");
    m.tokenValidators = (r.arr(mtls.tokenValidators, at("mtls.tokenValidators")) ?? []).map((tv, i) => {
      const o = r.obj(tv, at(`mtls.tokenValidators[${i}]`)) ?? {};
      return { name: r.str(o.name, at(`mtls.tokenValidators[${i}].name`), ""), options: r.obj(o.options, at(`mtls.tokenValidators[${i}].options`)) ?? {} };
    });
  }

  const secrets = r.obj(spec.secrets, at("secrets"));
  if (secrets) {
    config.secrets.scopes = (r.arr(secrets.scopes, at("secrets.scopes")) ?? []).map((s, i) => {
      const p = at(`secrets.scopes[${i}]`);
      const o = r.obj(s, p) ?? {};
      const scope: SecretsScope = { storeName: r.str(o.storeName, `${p}.storeName`, "") };
      if (o.defaultAccess !== undefined) scope.defaultAccess = r.str(o.defaultAccess, `${p}.defaultAccess`, "");
      if (o.allowedSecrets !== undefined) scope.allowedSecrets = r.strList(o.allowedSecrets, `${p}.allowedSecrets`);
      if (o.deniedSecrets !== undefined) scope.deniedSecrets = r.strList(o.deniedSecrets, `${p}.deniedSecrets`);
      return scope;
    });
    errors.push(...validateSecretScopes(config.secrets.scopes).map((e) => `spec.${e}`));
  }

  config.accessControl = accessControl(r, spec.accessControl, at("accessControl"), config.accessControl);

  const nr = r.obj(spec.nameResolution, at("nameResolution"));
  if (nr) {
    config.nameResolution = {
      component: r.str(nr.component, at("nameResolution.component"), ""),
      version: r.str(nr.version, at("nameResolution.version"), ""),
      configuration: nr.configuration,
    };
  }

  config.features = (r.arr(spec.features, at("features")) ?? []).flatMap((f, i) => {
    const o = r.obj(f, at(`features[${i}]`));
    if (!o) return [];
    return [{ name: r.str(o.name, at(`features[${i}].name`), ""), enabled: r.bool(o.enabled, at(`features[${i}].enabled`), false) }];
  });

  const api = r.obj(spec.api, at("api"));
  if (api) {
    const allowed = apiRules(r, api.allowed, at("api.allowed"));
    const denied = apiRules(r, api.denied, at("api.denied"));
    config.api = { ...(allowed ? { allowed } : {}), ...(denied ? { denied } : {}) };
  }

  config.httpPipeline = handlers(r, spec.httpPipeline, at("httpPipeline"));
  config.appHttpPipeline = handlers(r, spec.appHttpPipeline, at("appHttpPipeline"));
  config.components.deny = r.strList(r.obj(spec.components, at("components"))?.deny, at("components.deny"));

  const apiLogging = r.obj(r.obj(spec.logging, at("logging"))?.apiLogging, at("logging.apiLogging"));
  if (apiLogging) {
    config.logging.apiLogging = {
      enabled: r.bool(apiLogging.enabled, at("logging.apiLogging.enabled"), false),
      obfuscateURLs: r.bool(apiLogging.obfuscateURLs, at("logging.apiLogging.obfuscateURLs"), false),
      omitHealthChecks: r.bool(apiLogging.omitHealthChecks, at("logging.apiLogging.omitHealthChecks"), false),
    };
  }

  config.wasm.strictSandbox = r.bool(r.obj(spec.wasm, at("wasm"))?.strictSandbox, at("wasm.strictSandbox"), false);

  const wf = r.obj(spec.workflow, at("workflow"));
  if (wf) {
    const maxWf = r.int(wf.maxConcurrentWorkflowInvocations, at("workflow.maxConcurrentWorkflowInvocations"));
    const maxAct = r.int(wf.maxConcurrentActivityInvocations, at("workflow.maxConcurrentActivityInvocations"));
    if (maxWf !== undefined && maxWf > 0) config.workflow.maxConcurrentWorkflowInvocations = maxWf;
    if (maxAct !== undefined && maxAct > 0) config.workflow.maxConcurrentActivityInvocations = maxAct;
    const retention = r.obj(wf.stateRetentionPolicy, at("workflow.stateRetentionPolicy"));
    for (const key of ["anyTerminal", "completed", "failed", "terminated"] as const) {
      const raw = retention?.[key];
      if (raw === undefined || raw === null || raw === "") continue;
      try {
        config.workflow.stateRetentionPolicy[key] = parseGoDuration(r.str(raw, at(`workflow.stateRetentionPolicy.${key}`), ""));
      } catch (err) {
        errors.push(`${at(`workflow.stateRetentionPolicy.${key}`)}: ${(err as Error).message}`);
      }
    }
  }

  return { config, errors };
}

/**
 * True if a preview feature is switched on. The last entry for a name wins, as
 * daprd builds its enabled set in list order.
 */
export function isFeatureEnabled(config: Pick<Configuration, "features">, name: string): boolean {
  let enabled = false;
  for (const f of config.features) if (f.name === name) enabled = f.enabled;
  return enabled;
}

/** daprd's sampling rate when `samplingRate` is unset or not a number. */
export const defaultSamplingRate = 1e-4;

/**
 * The effective trace sampling rate (daprd's GetTraceSamplingRate): the parsed
 * value, or 1e-4 when unset or unparseable. Tracing is off only at exactly 0.
 */
export function samplingRate(config: Pick<Configuration, "tracing">): number {
  const raw = config.tracing.samplingRate.trim();
  const n = Number(raw);
  return raw === "" || !Number.isFinite(n) ? defaultSamplingRate : n;
}
