// The one table of `dapr.io/*` pod annotations the injector understands. Each
// is declared once: key, parser, default, description. Settings, defaults,
// validation warnings and docs/annotations.md (injector/generate-docs.ts) all
// derive from it. Keys and defaults follow upstream Dapr
// (pkg/injector/annotations/annotations.go, pkg/injector/patcher/sidecar.go).
import * as p from "./annotation-parsers.js";
import type { Parser } from "./annotation-parsers.js";

export interface AnnotationSpec<T> {
  readonly key: string;
  readonly parse: Parser<T>;
  readonly default: T;
  readonly description: string;
  /** How the default reads in the docs when it comes from elsewhere (injector config). */
  readonly defaultDoc?: string;
}

function a<T>(key: string, parse: Parser<T>, dflt: T, description: string, defaultDoc?: string): AnnotationSpec<T> {
  return { key: `dapr.io/${key}`, parse, default: dflt, description, defaultDoc };
}

const none = undefined;
const protocols = ["http", "grpc", "https", "grpcs", "h2c"] as const;
const logLevels = ["debug", "info", "warn", "error", "fatal"] as const;

export const annotationTable = {
  enabled: a("enabled", p.bool, false, "Inject the Dapr sidecar into this pod."),
  appId: a("app-id", p.appId, none, "Unique id of the application; used for service invocation, state key prefixes and the `<app-id>-dapr` Service.", "pod name (or `generateName` prefix)"),
  appPort: a("app-port", p.optionalPort, none, "Port the application listens on; unset means the sidecar does not call the app."),
  appProtocol: a("app-protocol", p.oneOf(protocols), "http" as (typeof protocols)[number], "Protocol the app speaks: http, grpc, https, grpcs or h2c."),
  appChannelAddress: a("app-channel-address", p.optionalString, none, "Network address where the app listens, when not localhost."),
  appMaxConcurrency: a("app-max-concurrency", p.optionalIntInRange(-1, Number.MAX_SAFE_INTEGER), none, "Maximum number of concurrent requests delivered to the app (-1: unlimited)."),
  config: a("config", p.optionalString, none, "Name of the Configuration resource the sidecar uses."),
  logLevel: a("log-level", p.oneOf(logLevels), "info" as (typeof logLevels)[number], "Sidecar log level: debug, info, warn, error or fatal."),
  logAsJson: a("log-as-json", p.bool, false, "Write sidecar logs as JSON lines."),
  enableApiLogging: a("enable-api-logging", p.optionalBool, none, "Log every API call; unset defers to the Configuration resource."),
  enableMetrics: a("enable-metrics", p.bool, true, "Expose Prometheus metrics from the sidecar."),
  metricsPort: a("metrics-port", p.port, 9090, "Port of the sidecar's metrics endpoint."),
  env: a("env", p.envList, [] as p.EnvPair[], "Environment variables for the sidecar: `NAME=value,NAME2=value2`."),
  envFromSecret: a("env-from-secret", p.envFromSecretList, [] as p.SecretEnv[], "Sidecar environment variables from Secrets: `NAME=secret` (key = secret name) or `NAME=secret:key`."),
  apiTokenSecret: a("api-token-secret", p.secretName, none, "Secret (key `token`) holding the token apps must send to the sidecar (`DAPR_API_TOKEN`)."),
  appTokenSecret: a("app-token-secret", p.secretName, none, "Secret (key `token`) holding the token the sidecar sends to the app (`APP_API_TOKEN`)."),
  maxBodySize: a("max-body-size", p.byteSize, none, "Maximum request body size, e.g. `16Mi`.", "4Mi (daprd default)"),
  httpMaxRequestSize: a("http-max-request-size", p.optionalIntInRange(1, Number.MAX_SAFE_INTEGER), none, "Legacy: maximum request body size in MB; `max-body-size` wins when both are set.", "4 (daprd default)"),
  gracefulShutdownSeconds: a("graceful-shutdown-seconds", p.intInRange(-1, Number.MAX_SAFE_INTEGER), -1, "Seconds the sidecar waits for in-flight work on shutdown; -1 keeps daprd's default (5)."),
  sidecarListenAddresses: a("sidecar-listen-addresses", p.listenAddresses, "[::1],127.0.0.1", "Addresses the sidecar's API listens on."),
  grpcPort: a("grpc-port", p.port, 50001, "Port of the sidecar's gRPC API."),
  internalGrpcPort: a("internal-grpc-port", p.port, 50002, "Port of the sidecar's internal gRPC API (sidecar to sidecar)."),
  sidecarImage: a("sidecar-image", p.imageRef, none, "Container image of the sidecar.", "injector `--sidecar-image`"),
  sidecarCpuRequest: a("sidecar-cpu-request", p.quantity, none, "CPU request of the sidecar container, e.g. `100m`.", "injector config (none)"),
  sidecarCpuLimit: a("sidecar-cpu-limit", p.quantity, none, "CPU limit of the sidecar container.", "injector config (none)"),
  sidecarMemoryRequest: a("sidecar-memory-request", p.quantity, none, "Memory request of the sidecar container, e.g. `64Mi`.", "injector config (none)"),
  sidecarMemoryLimit: a("sidecar-memory-limit", p.quantity, none, "Memory limit of the sidecar container.", "injector config (none)"),
  livenessProbeDelaySeconds: a("sidecar-liveness-probe-delay-seconds", p.nonNegative, 180, "Liveness probe initial delay, seconds."),
  livenessProbeTimeoutSeconds: a("sidecar-liveness-probe-timeout-seconds", p.positive, 3, "Liveness probe timeout, seconds."),
  livenessProbePeriodSeconds: a("sidecar-liveness-probe-period-seconds", p.positive, 10, "Liveness probe period, seconds."),
  livenessProbeThreshold: a("sidecar-liveness-probe-threshold", p.positive, 5, "Liveness probe failure threshold."),
  readinessProbeDelaySeconds: a("sidecar-readiness-probe-delay-seconds", p.nonNegative, 1, "Readiness probe initial delay, seconds."),
  readinessProbeTimeoutSeconds: a("sidecar-readiness-probe-timeout-seconds", p.positive, 1, "Readiness probe timeout, seconds."),
  readinessProbePeriodSeconds: a("sidecar-readiness-probe-period-seconds", p.positive, 1, "Readiness probe period, seconds."),
  readinessProbeThreshold: a("sidecar-readiness-probe-threshold", p.positive, 5, "Readiness probe failure threshold."),
  enableAppHealthCheck: a("enable-app-health-check", p.bool, false, "Let the sidecar probe the app's health endpoint."),
  appHealthCheckPath: a("app-health-check-path", p.absolutePath, "/healthz", "Path the sidecar probes when app health checks are on (HTTP apps)."),
  appHealthProbeInterval: a("app-health-probe-interval", p.positive, 5, "Seconds between app health probes."),
  appHealthProbeTimeout: a("app-health-probe-timeout", p.positive, 500, "App health probe timeout, milliseconds."),
  appHealthThreshold: a("app-health-threshold", p.positive, 3, "Failed probes before the app is considered unhealthy."),
  volumeMounts: a("volume-mounts", p.volumeMountList, [] as p.VolumeMountSpec[], "Pod volumes mounted read-only in the sidecar: `volume:/path,volume2:/path2`."),
  volumeMountsRw: a("volume-mounts-rw", p.volumeMountList, [] as p.VolumeMountSpec[], "Pod volumes mounted read-write in the sidecar: `volume:/path`."),
  enableNativeSidecar: a("enable-native-sidecar", p.optionalBool, none, "Inject the sidecar as a native sidecar (init container with `restartPolicy: Always`, Kubernetes 1.28+), so Jobs complete and it starts before the app.", "injector `--native-sidecar` (false)"),
} as const;

export type AnnotationName = keyof typeof annotationTable;

type ValueOf<S> = S extends AnnotationSpec<infer T> ? T : never;

/** Every setting the sidecar patch needs, as read from the annotations. */
export type SidecarSettings = { -readonly [K in AnnotationName]: ValueOf<(typeof annotationTable)[K]> };

export const annotationKeys: ReadonlySet<string> = new Set(Object.values(annotationTable).map((s) => s.key));

export interface ReadAnnotationsResult {
  settings: SidecarSettings;
  warnings: string[];
}

/** The defaults of the table, with the injector's own defaults laid over them. */
export function defaultSettings(overrides: Partial<SidecarSettings> = {}): SidecarSettings {
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(annotationTable)) {
    const o = (overrides as Record<string, unknown>)[name];
    out[name] = o !== undefined ? o : spec.default;
  }
  return out as SidecarSettings;
}

function describeDefault(v: unknown): string {
  if (v === undefined) return "unset";
  if (Array.isArray(v)) return v.length === 0 ? "none" : JSON.stringify(v);
  return JSON.stringify(v);
}

/**
 * Reads the `dapr.io/*` annotations of a pod. A value that does not parse
 * keeps the default and yields a warning, so a typo never blocks the pod.
 */
export function readAnnotations(
  annotations: Record<string, string> | undefined,
  defaults: Partial<SidecarSettings> = {},
): ReadAnnotationsResult {
  const settings = defaultSettings(defaults) as Record<string, unknown>;
  const warnings: string[] = [];
  const ann = annotations ?? {};
  for (const [name, spec] of Object.entries(annotationTable) as [string, AnnotationSpec<unknown>][]) {
    const raw = ann[spec.key];
    if (raw === undefined) continue;
    const r = spec.parse(String(raw));
    if (r.ok) {
      settings[name] = r.value;
      for (const n of r.notes ?? []) warnings.push(`${spec.key}: ${n}`);
    } else {
      warnings.push(`${spec.key}: invalid value ${JSON.stringify(truncate(String(raw)))} (expected ${r.expected}); using the default (${describeDefault(settings[name])})`);
    }
  }
  for (const key of Object.keys(ann)) {
    if (key.startsWith("dapr.io/") && !annotationKeys.has(key)) {
      warnings.push(`${key}: not supported by dapr-ts; ignored`);
    }
  }
  return { settings: settings as SidecarSettings, warnings };
}

function truncate(s: string): string {
  return s.length > 60 ? s.slice(0, 57) + "..." : s;
}
