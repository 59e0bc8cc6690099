// `dapr-ts operator`: flags -> kubeconfig -> probe and metrics servers ->
// informers, controllers and leader election. Resolves with the exit code: 0
// after SIGTERM/SIGINT (or the hooks' signal), 1 on bad flags or a failed start.
import { listenForStop } from "../cli/stop-signal.js";
import { loadDeferredModules } from "../sidecar/runtime/deferred-modules.js";
import { KubeConfig } from "@kubernetes/client-node";
import { Logger } from "../sidecar/log/logger.js";
import { operatorUsage, parseOperatorConfig, type OperatorConfig } from "./config.js";
import { healthRoutes, metricsRoutes, startProbeServer, type ProbeServer } from "./health-server.js";
import { startOperator, type RunningOperator } from "./operator.js";

export interface OperatorMainHooks {
  /** Stops the operator like SIGTERM does (tests, embedding). */
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  /** Called once serving; ports are the bound ones (useful with port 0). */
  onReady?: (info: { operator: RunningOperator; healthzPort?: number; metricsPort?: number }) => void;
  /** Overrides the first retry delay of failing reconciles (tests). */
  baseRetryDelayMs?: number;
}

function loadKubeConfig(path: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  if (path) kc.loadFromFile(path);
  else if (process.env.KUBERNETES_SERVICE_HOST) kc.loadFromCluster();
  else kc.loadFromDefault();
  return kc;
}

export async function main(argv: string[], hooks: OperatorMainHooks = {}): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(operatorUsage);
    return 0;
  }
  let cfg: OperatorConfig;
  try {
    cfg = parseOperatorConfig(argv, hooks.env ?? process.env);
  } catch (err) {
    process.stderr.write(`dapr-ts operator: ${err instanceof Error ? err.message : String(err)}\n\n${operatorUsage}`);
    return 1;
  }
  const logger = new Logger({ level: cfg.logLevel, json: cfg.logAsJson, scope: "dapr-ts.operator" });

  // Listen for the stop signal before the (possibly slow) start, so an early SIGTERM is not lost.
  const { stopped, dispose } = listenForStop(hooks.signal);

  let operator: RunningOperator | undefined;
  const servers: ProbeServer[] = [];
  try {
    const kc = loadKubeConfig(cfg.kubeconfig);
    operator = startOperator({
      kc,
      logger,
      namespace: cfg.namespace,
      identity: cfg.identity,
      leaderElection: cfg.leaderElection,
      leaseName: cfg.leaseName,
      leaseDurationMs: cfg.leaseDurationMs,
      renewDeadlineMs: cfg.renewDeadlineMs,
      retryPeriodMs: cfg.retryPeriodMs,
      workers: cfg.workers,
      ...(hooks.baseRetryDelayMs !== undefined ? { baseRetryDelayMs: hooks.baseRetryDelayMs } : {}),
    });
    const running = operator;
    // One server when both ports are the same number (other than 0).
    const probes = healthRoutes(() => running.isSynced());
    let healthzPort: number | undefined;
    let metricsPort: number | undefined;
    if (cfg.healthzPort >= 0 && cfg.healthzPort === cfg.metricsPort && cfg.healthzPort !== 0) {
      const s = await startProbeServer(cfg.healthzPort, { ...probes, ...metricsRoutes });
      servers.push(s);
      healthzPort = metricsPort = s.port;
    } else {
      if (cfg.healthzPort >= 0) {
        const s = await startProbeServer(cfg.healthzPort, probes);
        servers.push(s);
        healthzPort = s.port;
      }
      if (cfg.metricsPort >= 0) {
        const s = await startProbeServer(cfg.metricsPort, metricsRoutes);
        servers.push(s);
        metricsPort = s.port;
      }
    }
    logger.info("operator started", { namespace: cfg.namespace, identity: cfg.identity, leaderElection: cfg.leaderElection, healthzPort, metricsPort });
    hooks.onReady?.({ operator, healthzPort, metricsPort });
    // Serving: load what the bundle deferred at start-up, so the first request does not wait for it.
    setImmediate(loadDeferredModules);
    await stopped;
    logger.info("operator shutting down");
    return 0;
  } catch (err) {
    logger.fatal("operator failed", { error: err instanceof Error ? err.message : String(err) });
    return 1;
  } finally {
    await operator?.stop();
    await Promise.all(servers.map((s) => s.close()));
    dispose();
  }
}
