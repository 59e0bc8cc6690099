// daprd-compatible command-line flags for `dapr-ts sidecar`. Names, defaults
// and aliases follow daprd so existing scripts and the injector's args work.
import { parseArgs } from "node:util";
import { parseLogLevel, type LogLevel } from "../log/logger.js";

export type AppProtocol = "http" | "grpc" | "https" | "grpcs" | "h2c";
export type Mode = "standalone" | "kubernetes";

export interface SidecarOptions {
  mode: Mode;
  appId: string;
  appPort?: number;
  appProtocol: AppProtocol;
  appChannelAddress: string;
  appMaxConcurrency: number;
  daprHttpPort: number;
  daprGrpcPort: number;
  daprInternalGrpcPort: number;
  daprPublicPort?: number;
  metricsPort: number;
  enableMetrics: boolean;
  resourcesPaths: string[];
  config?: string;
  logLevel: LogLevel;
  logAsJson: boolean;
  enableApiLogging: boolean;
  listenAddresses: string[];
  maxBodySize: number;
  gracefulShutdownSeconds: number;
  enableAppHealthCheck: boolean;
  appHealthCheckPath: string;
  appHealthProbeIntervalSeconds: number;
  appHealthProbeTimeoutMs: number;
  appHealthThreshold: number;
  apiToken?: string;
  appApiToken?: string;
  namespace: string;
  podName?: string;
  /** Where actor placement coordinates (local, redis, or a redis:// URL); see the actors README. */
  placementHostAddress?: string;
  /** Kubernetes mode: do not add the built-in `kubernetes` secret store. */
  disableBuiltinK8sSecretStore: boolean;
  /**
   * Invocations between dapr-ts sidecars may travel as framed calls on the internal port
   * (building-blocks/invoke/call-local-frames-wire.ts). On by default; env DAPR_TS_INTERNAL_FRAMES=false
   * keeps this sidecar to gRPC both ways, as a Dapr sidecar speaks.
   */
  internalFrames: boolean;
}

/** Parses Kubernetes-style quantities as daprd does for --max-body-size: "4Mi", "512Ki", "1G", "1048576". */
export function parseByteSize(v: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(Ki|Mi|Gi|K|M|G|KB|MB|GB|k|B)?$/.exec(v.trim());
  if (!m) throw new Error(`invalid size '${v}': expected a number with an optional unit (Ki, Mi, Gi, K, M, G)`);
  const n = Number(m[1]);
  const unit = m[2] ?? "B";
  const mult: Record<string, number> = {
    B: 1, k: 1e3, K: 1e3, KB: 1e3, M: 1e6, MB: 1e6, G: 1e9, GB: 1e9, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3,
  };
  return Math.floor(n * mult[unit]!);
}

function port(name: string, v: string | undefined, dflt?: number): number | undefined {
  if (v === undefined || v === "") return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`--${name}: invalid port '${v}'`);
  return n;
}

/** An integer flag; a value that is not one is an error naming the flag (Go's flag package rejects it too). */
function int(name: string, v: string | undefined, dflt: number): number {
  if (v === undefined || v === "") return dflt;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new Error(`--${name}: invalid integer '${v}'`);
  return n;
}

// The spellings Go's strconv.ParseBool accepts; anything else is an error, not a silent false.
const trueWords = ["1", "t", "true"];
const falseWords = ["0", "f", "false"];

function bool(name: string, v: string | boolean | undefined, dflt: boolean): boolean {
  return readBool(`--${name}`, v, dflt);
}

/** `label` names the flag or environment variable in the error. */
function readBool(label: string, v: string | boolean | undefined, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v === "boolean") return v;
  const w = v.toLowerCase();
  if (trueWords.includes(w)) return true;
  if (falseWords.includes(w)) return false;
  throw new Error(`${label}: invalid boolean '${v}': expected true or false`);
}

const stringFlags = [
  "mode", "app-id", "app-port", "app-protocol", "app-channel-address", "app-max-concurrency",
  "dapr-http-port", "dapr-grpc-port", "dapr-internal-grpc-port", "dapr-public-port", "metrics-port",
  "config", "log-level", "dapr-listen-addresses", "max-body-size", "dapr-http-max-request-size",
  "dapr-graceful-shutdown-seconds", "app-health-check-path", "app-health-probe-interval",
  "app-health-probe-timeout", "app-health-threshold", "control-plane-address", "sentry-address",
  "placement-host-address", "scheduler-host-address", "profile-port", "dapr-http-read-buffer-size",
  "read-buffer-size", "unix-domain-socket", "dapr-block-shutdown-duration", "app-ssl",
] as const;
// Boolean flags accept both `--flag` and `--flag=false` (daprd is Go's flag package).
const boolFlags = ["log-as-json", "enable-metrics", "enable-api-logging", "enable-app-health-check", "enable-mtls", "enable-profiling", "disable-builtin-k8s-secret-store"] as const;

export function parseSidecarFlags(argv: string[], env: NodeJS.ProcessEnv = process.env): SidecarOptions {
  // Go-style single-dash long flags (-app-id) are accepted by daprd; normalise them.
  const normalised = argv.map((a) => (/^-[a-z][a-z-]+/.test(a) ? "-" + a : a));
  const options: Record<string, { type: "string"; multiple?: boolean }> = {};
  for (const f of stringFlags) options[f] = { type: "string" };
  for (const f of boolFlags) options[f] = { type: "string" };
  options["resources-path"] = { type: "string", multiple: true };
  options["components-path"] = { type: "string", multiple: true };
  // `--log-as-json` alone means true: rewrite bare booleans to --flag=true.
  const withBools = normalised.map((a) => (boolFlags.some((b) => a === `--${b}`) ? `${a}=true` : a));
  const { values } = parseArgs({ args: withBools, options, strict: true, allowPositionals: false });
  const s = (k: string) => values[k] as string | undefined;

  const mode = (s("mode") ?? "standalone") as Mode;
  if (mode !== "standalone" && mode !== "kubernetes") throw new Error(`--mode: expected standalone or kubernetes, got '${mode}'`);
  const appProtocol = (s("app-protocol") ?? "http") as AppProtocol;
  if (!["http", "grpc", "https", "grpcs", "h2c"].includes(appProtocol)) {
    throw new Error(`--app-protocol: expected one of http, grpc, https, grpcs, h2c, got '${appProtocol}'`);
  }
  const resourcesPaths = [
    ...((values["resources-path"] as string[] | undefined) ?? []),
    ...((values["components-path"] as string[] | undefined) ?? []),
  ];
  const appPortRaw = s("app-port");
  const namespace = env.NAMESPACE ?? "default";
  const maxBody = s("max-body-size") ?? (s("dapr-http-max-request-size") ? `${s("dapr-http-max-request-size")}Mi` : "4Mi");

  return {
    mode,
    appId: s("app-id") ?? "",
    appPort: appPortRaw && appPortRaw !== "0" ? port("app-port", appPortRaw) : undefined,
    appProtocol,
    appChannelAddress: s("app-channel-address") ?? "127.0.0.1",
    appMaxConcurrency: int("app-max-concurrency", s("app-max-concurrency"), -1),
    daprHttpPort: port("dapr-http-port", s("dapr-http-port"), 3500)!,
    daprGrpcPort: port("dapr-grpc-port", s("dapr-grpc-port"), 50001)!,
    daprInternalGrpcPort: port("dapr-internal-grpc-port", s("dapr-internal-grpc-port"), mode === "kubernetes" ? 50002 : 0)!,
    daprPublicPort: port("dapr-public-port", s("dapr-public-port"), mode === "kubernetes" ? 3501 : undefined),
    metricsPort: port("metrics-port", s("metrics-port"), 9090)!,
    enableMetrics: bool("enable-metrics", s("enable-metrics"), true),
    resourcesPaths,
    config: s("config"),
    logLevel: parseLogLevel(s("log-level")),
    logAsJson: bool("log-as-json", s("log-as-json"), false),
    enableApiLogging: bool("enable-api-logging", s("enable-api-logging"), false),
    listenAddresses: (s("dapr-listen-addresses") ?? (mode === "kubernetes" ? "[::1],127.0.0.1" : "127.0.0.1"))
      .split(",").map((a) => a.trim().replace(/^\[(.*)\]$/, "$1")).filter(Boolean),
    maxBodySize: parseByteSize(maxBody),
    gracefulShutdownSeconds: int("dapr-graceful-shutdown-seconds", s("dapr-graceful-shutdown-seconds"), 5),
    enableAppHealthCheck: bool("enable-app-health-check", s("enable-app-health-check"), false),
    appHealthCheckPath: s("app-health-check-path") ?? "/healthz",
    appHealthProbeIntervalSeconds: int("app-health-probe-interval", s("app-health-probe-interval"), 5),
    appHealthProbeTimeoutMs: int("app-health-probe-timeout", s("app-health-probe-timeout"), 500),
    appHealthThreshold: int("app-health-threshold", s("app-health-threshold"), 3),
    apiToken: env.DAPR_API_TOKEN || undefined,
    appApiToken: env.APP_API_TOKEN || undefined,
    namespace,
    podName: env.POD_NAME,
    placementHostAddress: s("placement-host-address") || undefined,
    disableBuiltinK8sSecretStore: bool("disable-builtin-k8s-secret-store", s("disable-builtin-k8s-secret-store"), false),
    internalFrames: readBool("DAPR_TS_INTERNAL_FRAMES", env.DAPR_TS_INTERNAL_FRAMES || undefined, true),
  };
}
