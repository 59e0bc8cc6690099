// Configuration of `dapr-ts injector`, from flags and environment (flags win).
// Environment names follow Dapr's injector where one exists (SIDECAR_IMAGE,
// NAMESPACE, ALLOWED_SERVICE_ACCOUNTS, ...), so a Dapr-style Deployment works.
import { parseArgs } from "node:util";
import { parseLogLevel, type LogLevel } from "../sidecar/log/logger.js";
import { quantity } from "./annotation-parsers.js";
import type { AuthorizationConfig } from "./admission/authorize.js";
import { defaultPatchConfig, type SidecarPatchConfig } from "./patch/sidecar-patch-config.js";

export interface InjectorConfig {
  /** HTTPS port of /mutate (and /healthz, /readyz, /metrics). */
  port: number;
  /** Plain-HTTP port for /healthz and /readyz; 0 disables it. */
  healthzPort: number;
  /** Plain-HTTP port for /metrics; 0 disables it. */
  metricsPort: number;
  /** Namespace the injector runs in: holds its CA Secret and Service. */
  namespace: string;
  webhookConfigName: string;
  serviceName: string;
  caSecretName: string;
  logLevel: LogLevel;
  logAsJson: boolean;
  kubeconfig?: string;
  /** When both are set, serve this certificate and skip the self-managed CA (no Kubernetes needed). */
  tlsCertFile?: string;
  tlsKeyFile?: string;
  patch: SidecarPatchConfig;
  auth: AuthorizationConfig;
}

const stringFlags = [
  "port", "healthz-port", "metrics-port", "namespace", "webhook-config-name", "service-name", "ca-secret-name",
  "sidecar-image", "sidecar-image-pull-policy", "log-level", "kubeconfig", "allowed-service-accounts",
  "allowed-service-accounts-prefix-names", "sidecar-cpu-request", "sidecar-cpu-limit", "sidecar-memory-request",
  "sidecar-memory-limit", "tls-cert-file", "tls-key-file",
] as const;
const boolFlags = ["native-sidecar", "log-as-json", "restrict-to-controllers"] as const;

function portValue(flag: string, v: string | undefined, dflt: number): number {
  if (v === undefined || v === "") return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`--${flag}: invalid port '${v}' (expected 0-65535)`);
  return n;
}

function boolValue(flag: string, v: string | undefined, dflt: boolean): boolean {
  if (v === undefined || v === "") return dflt;
  const l = v.toLowerCase();
  if (["true", "1", "yes", "on"].includes(l)) return true;
  if (["false", "0", "no", "off"].includes(l)) return false;
  throw new Error(`--${flag}: invalid boolean '${v}' (expected true or false)`);
}

function list(v: string | undefined): string[] {
  return (v ?? "").split(",").map((s) => s.trim()).filter(Boolean);
}

function quantityValue(flag: string, v: string | undefined): string | undefined {
  if (v === undefined || v === "") return undefined;
  const r = quantity(v);
  if (!r.ok) throw new Error(`--${flag}: invalid value '${v}' (expected ${r.expected})`);
  return r.value;
}

/** Throws an Error with a message naming the bad flag; the caller prints it and exits 1. */
export function parseInjectorConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): InjectorConfig {
  const options: Record<string, { type: "string" }> = {};
  for (const f of [...stringFlags, ...boolFlags]) options[f] = { type: "string" };
  // A bare boolean flag means true.
  const args = argv.map((a) => (boolFlags.some((b) => a === `--${b}`) ? `${a}=true` : a));
  const { values } = parseArgs({ args, options, strict: true, allowPositionals: false });
  const v = (flag: string, envName?: string): string | undefined => (values[flag] as string | undefined) ?? (envName ? env[envName] : undefined);

  const pullPolicy = v("sidecar-image-pull-policy", "SIDECAR_IMAGE_PULL_POLICY") ?? "IfNotPresent";
  if (!["Always", "IfNotPresent", "Never"].includes(pullPolicy)) {
    throw new Error(`--sidecar-image-pull-policy: expected Always, IfNotPresent or Never, got '${pullPolicy}'`);
  }
  const serviceName = v("service-name") ?? "dapr-ts-sidecar-injector";
  const tlsCertFile = v("tls-cert-file");
  const tlsKeyFile = v("tls-key-file");
  if ((tlsCertFile === undefined) !== (tlsKeyFile === undefined)) throw new Error("--tls-cert-file and --tls-key-file go together");

  const patch = defaultPatchConfig({
    sidecarImage: v("sidecar-image", "SIDECAR_IMAGE") ?? "dapr-ts:latest",
    imagePullPolicy: pullPolicy as SidecarPatchConfig["imagePullPolicy"],
    nativeSidecar: boolValue("native-sidecar", v("native-sidecar", "NATIVE_SIDECAR"), false),
    defaults: {
      sidecarCpuRequest: quantityValue("sidecar-cpu-request", v("sidecar-cpu-request", "SIDECAR_CPU_REQUEST")),
      sidecarCpuLimit: quantityValue("sidecar-cpu-limit", v("sidecar-cpu-limit", "SIDECAR_CPU_LIMIT")),
      sidecarMemoryRequest: quantityValue("sidecar-memory-request", v("sidecar-memory-request", "SIDECAR_MEMORY_REQUEST")),
      sidecarMemoryLimit: quantityValue("sidecar-memory-limit", v("sidecar-memory-limit", "SIDECAR_MEMORY_LIMIT")),
    },
  });

  return {
    port: portValue("port", v("port"), 4000),
    healthzPort: portValue("healthz-port", v("healthz-port"), 8080),
    metricsPort: portValue("metrics-port", v("metrics-port"), 9090),
    namespace: v("namespace", "NAMESPACE") ?? "dapr-system",
    webhookConfigName: v("webhook-config-name") ?? "dapr-ts-sidecar-injector",
    serviceName,
    caSecretName: v("ca-secret-name") ?? `${serviceName}-ca`,
    logLevel: parseLogLevel(v("log-level")),
    logAsJson: boolValue("log-as-json", v("log-as-json"), false),
    kubeconfig: v("kubeconfig", "KUBECONFIG"),
    tlsCertFile,
    tlsKeyFile,
    patch,
    auth: {
      restrictToControllers: boolValue("restrict-to-controllers", v("restrict-to-controllers", "RESTRICT_TO_CONTROLLERS"), false),
      allowedServiceAccounts: list(v("allowed-service-accounts", "ALLOWED_SERVICE_ACCOUNTS")),
      allowedServiceAccountPrefixes: list(v("allowed-service-accounts-prefix-names", "ALLOWED_SERVICE_ACCOUNTS_PREFIX_NAMES")),
    },
  };
}

export const injectorUsage = `Usage: dapr-ts injector [flags]

  --port <n>                       HTTPS port of /mutate, /healthz, /readyz, /metrics (4000)
  --healthz-port <n>               plain-HTTP /healthz and /readyz, 0 = off (8080)
  --metrics-port <n>               plain-HTTP /metrics, 0 = off (9090)
  --namespace <ns>                 namespace of the injector (env NAMESPACE; dapr-system)
  --webhook-config-name <name>     MutatingWebhookConfiguration to write the caBundle into (dapr-ts-sidecar-injector)
  --service-name <name>            Service in front of the injector; names the certificate (dapr-ts-sidecar-injector)
  --ca-secret-name <name>          Secret keeping the CA across restarts (<service-name>-ca)
  --sidecar-image <image>          default sidecar image (env SIDECAR_IMAGE; dapr-ts:latest)
  --sidecar-image-pull-policy <p>  Always | IfNotPresent | Never (IfNotPresent)
  --native-sidecar[=bool]          inject native sidecars by default (env NATIVE_SIDECAR; false)
  --sidecar-{cpu,memory}-{request,limit} <q>  default sidecar resources
  --restrict-to-controllers[=bool] only inject for workload controllers' service accounts and
                                   system:masters, as Dapr does (env RESTRICT_TO_CONTROLLERS; false)
  --allowed-service-accounts <ns:name,...>            extra allowed accounts (env ALLOWED_SERVICE_ACCOUNTS)
  --allowed-service-accounts-prefix-names <ns*:n*,...> prefix patterns (env ALLOWED_SERVICE_ACCOUNTS_PREFIX_NAMES)
  --tls-cert-file/--tls-key-file   serve this certificate instead of the self-managed CA
  --kubeconfig <path>              kubeconfig (env KUBECONFIG; in-cluster config otherwise)
  --log-level <level>              debug | info | warn | error | fatal (info)
  --log-as-json[=bool]             JSON log lines
`;
