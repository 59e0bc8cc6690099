// `dapr-ts injector`: flags -> TLS (self-managed CA in a Secret, or given
// files) -> HTTPS webhook server -> caBundle kept in the webhook config.
// Resolves with the exit code: 0 after SIGTERM/SIGINT, 1 on bad flags or a
// failed start.
import { listenForStop } from "../cli/stop-signal.js";
import { loadDeferredModules } from "../sidecar/runtime/deferred-modules.js";
import { readFileSync } from "node:fs";
import { Logger } from "../sidecar/log/logger.js";
import { injectorUsage, parseInjectorConfig, type InjectorConfig } from "./config.js";
import { keepCaBundle, loadKubeConfig, prepareServingTls, type CaBundleKeeper } from "./certs/serving-tls.js";
import { startInjectorServer, type RunningInjectorServer } from "./server.js";

export interface MainHooks {
  /** Stops the injector like SIGTERM does (tests, embedding). */
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  onReady?: (server: RunningInjectorServer) => void;
}

async function loadTls(cfg: InjectorConfig, logger: Logger): Promise<{ key: string; cert: string; keeper?: CaBundleKeeper }> {
  if (cfg.tlsCertFile && cfg.tlsKeyFile) {
    logger.info("serving the given certificate; caBundle management is off", { cert: cfg.tlsCertFile });
    return { cert: readFileSync(cfg.tlsCertFile, "utf8"), key: readFileSync(cfg.tlsKeyFile, "utf8") };
  }
  const kc = loadKubeConfig(cfg.kubeconfig);
  const tls = await prepareServingTls({ kc, namespace: cfg.namespace, caSecretName: cfg.caSecretName, serviceName: cfg.serviceName, logger });
  const keeper = keepCaBundle(kc, cfg.webhookConfigName, tls.ca.certPem, logger);
  return { cert: tls.serving.certPem, key: tls.serving.keyPem, keeper };
}

export async function main(argv: string[], hooks: MainHooks = {}): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(injectorUsage);
    return 0;
  }
  let cfg: InjectorConfig;
  try {
    cfg = parseInjectorConfig(argv, hooks.env ?? process.env);
  } catch (err) {
    process.stderr.write(`dapr-ts injector: ${err instanceof Error ? err.message : String(err)}\n\n${injectorUsage}`);
    return 1;
  }
  const logger = new Logger({ level: cfg.logLevel, json: cfg.logAsJson, scope: "dapr-ts.injector" });

  // Listen for the stop signal before the (possibly slow) start, so an early SIGTERM is not lost.
  const { stopped, dispose } = listenForStop(hooks.signal);

  let keeper: CaBundleKeeper | undefined;
  let server: RunningInjectorServer | undefined;
  try {
    // A stop during start-up (e.g. the API server unreachable) must not wait for it.
    const loading = loadTls(cfg, logger);
    const tls = await Promise.race([loading, stopped.then(() => undefined)]);
    if (!tls) {
      loading.then((t) => t.keeper?.stop(), () => {});
      return 0;
    }
    keeper = tls.keeper;
    server = await startInjectorServer({
      port: cfg.port,
      tls: { key: tls.key, cert: tls.cert },
      deps: { patchConfig: cfg.patch, auth: cfg.auth },
      logger,
      healthzPort: cfg.healthzPort,
      metricsPort: cfg.metricsPort,
    });
    hooks.onReady?.(server);
    // Serving: load what the bundle deferred at start-up, so the first review does not wait for it.
    setImmediate(loadDeferredModules);
    await stopped;
    logger.info("sidecar injector shutting down");
    return 0;
  } catch (err) {
    logger.fatal("sidecar injector failed", { error: err instanceof Error ? err.message : String(err) });
    return 1;
  } finally {
    keeper?.stop();
    await server?.close();
    dispose();
  }
}
