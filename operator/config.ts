// Flags of `dapr-ts operator` (the chart passes --log-level, --log-as-json,
// --healthz-port, --metrics-port; NAMESPACE and POD_NAME come from the
// downward API). Durations take Go's syntax ("15s", "500ms").
import { randomBytes } from "node:crypto";
import os from "node:os";
import { parseArgs } from "node:util";
import { parseLogLevel, type LogLevel } from "../sidecar/log/logger.js";
import { parseGoDuration } from "../sidecar/util/duration.js";

export interface OperatorConfig {
  logLevel: LogLevel;
  logAsJson: boolean;
  /** Plain-HTTP /healthz and /readyz; 0 picks a free port, -1 turns it off. */
  healthzPort: number;
  /** Plain-HTTP /metrics; 0 picks a free port, -1 turns it off. */
  metricsPort: number;
  kubeconfig?: string;
  /** The operator's own namespace: where its Lease lives. */
  namespace: string;
  /** This replica's identity in the Lease. */
  identity: string;
  leaderElection: boolean;
  leaseName: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  /** Workers per controller. */
  workers: number;
}

const stringFlags = ["log-level", "healthz-port", "metrics-port", "kubeconfig", "namespace", "pod-name", "lease-name", "lease-duration", "renew-deadline", "retry-period", "workers"];
const boolFlags = ["log-as-json", "leader-election"];

function int(flag: string, v: string | undefined, dflt: number, min: number, max: number): number {
  if (v === undefined || v === "") return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${flag}: expected an integer from ${min} to ${max}, got '${v}'`);
  return n;
}

function bool(flag: string, v: string | undefined, dflt: boolean): boolean {
  if (v === undefined || v === "") return dflt;
  if (["true", "1", "yes"].includes(v.toLowerCase())) return true;
  if (["false", "0", "no"].includes(v.toLowerCase())) return false;
  throw new Error(`--${flag}: expected true or false, got '${v}'`);
}

function duration(flag: string, v: string | undefined, dflt: number): number {
  if (v === undefined || v === "") return dflt;
  let ms: number;
  try {
    ms = parseGoDuration(v);
  } catch (err) {
    throw new Error(`--${flag}: ${(err as Error).message}`);
  }
  if (ms <= 0) throw new Error(`--${flag}: must be positive, got '${v}'`);
  return ms;
}

/** Throws an Error naming the bad flag; the caller prints it with the usage. */
export function parseOperatorConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): OperatorConfig {
  const options: Record<string, { type: "string" }> = {};
  for (const f of [...stringFlags, ...boolFlags]) options[f] = { type: "string" };
  // A bare boolean flag means true.
  const args = argv.map((a) => (boolFlags.some((b) => a === `--${b}`) ? `${a}=true` : a));
  const { values } = parseArgs({ args, options, strict: true, allowPositionals: false });
  const v = (flag: string, envName?: string): string | undefined => (values[flag] as string | undefined) ?? (envName ? env[envName] : undefined);

  const cfg: OperatorConfig = {
    logLevel: parseLogLevel(v("log-level")),
    logAsJson: bool("log-as-json", v("log-as-json"), false),
    healthzPort: int("healthz-port", v("healthz-port"), 8080, -1, 65535),
    metricsPort: int("metrics-port", v("metrics-port"), 9090, -1, 65535),
    kubeconfig: v("kubeconfig", "KUBECONFIG"),
    namespace: v("namespace", "NAMESPACE") || "dapr-system",
    // Unique per replica even when POD_NAME is missing (two local runs must not share an identity).
    identity: v("pod-name", "POD_NAME") || `${os.hostname()}-${randomBytes(4).toString("hex")}`,
    leaderElection: bool("leader-election", v("leader-election"), true),
    leaseName: v("lease-name") || "dapr-ts-operator",
    leaseDurationMs: duration("lease-duration", v("lease-duration"), 15_000),
    renewDeadlineMs: duration("renew-deadline", v("renew-deadline"), 10_000),
    retryPeriodMs: duration("retry-period", v("retry-period"), 2_000),
    workers: int("workers", v("workers"), 16, 1, 256),
  };
  if (cfg.renewDeadlineMs >= cfg.leaseDurationMs) throw new Error("--renew-deadline must be shorter than --lease-duration (a leader must step down before others may take over)");
  if (cfg.retryPeriodMs >= cfg.renewDeadlineMs) throw new Error("--retry-period must be shorter than --renew-deadline");
  return cfg;
}

export const operatorUsage = `Usage: dapr-ts operator [flags]

  --log-level <level>        debug | info | warn | error | fatal (info)
  --log-as-json[=bool]       JSON log lines
  --healthz-port <n>         plain-HTTP /healthz and /readyz; 0 = any free port, -1 = off (8080)
  --metrics-port <n>         plain-HTTP /metrics; 0 = any free port, -1 = off (9090)
  --kubeconfig <path>        kubeconfig (env KUBECONFIG; in-cluster config otherwise)
  --namespace <ns>           the operator's namespace, where its Lease lives (env NAMESPACE; dapr-system)
  --pod-name <id>            identity in the Lease (env POD_NAME; hostname + random)
  --leader-election[=bool]   elect a leader through a Lease (true)
  --lease-name <name>        the Lease's name (dapr-ts-operator)
  --lease-duration <d>       how long a Lease lasts without renewal (15s)
  --renew-deadline <d>       how long a leader keeps trying to renew before stepping down (10s)
  --retry-period <d>         how often to renew or try to acquire (2s)
  --workers <n>              concurrent reconciles per kind (16)
`;
