// Start-up TLS for the injector: CA from its Secret (created on first start),
// a fresh serving certificate signed by it, and the CA written into the
// MutatingWebhookConfiguration, retried until that object exists (the chart
// may create it after the injector starts) and re-checked now and then
// (a re-applied chart would blank the caBundle).
import { AdmissionregistrationV1Api, CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import type { Logger } from "../../sidecar/log/logger.js";
import { ensureCaSecret } from "./ca-secret.js";
import { issueServingCert, servingDnsNames, type KeyPairPem } from "./generate.js";
import { writeCaBundle } from "./webhook-ca-bundle.js";

export function loadKubeConfig(kubeconfig?: string): KubeConfig {
  const kc = new KubeConfig();
  if (kubeconfig) kc.loadFromFile(kubeconfig);
  else if (process.env.KUBERNETES_SERVICE_HOST) kc.loadFromCluster();
  else kc.loadFromDefault();
  return kc;
}

export interface ServingTlsOptions {
  kc: KubeConfig;
  namespace: string;
  caSecretName: string;
  serviceName: string;
  logger: Logger;
}

export interface ServingTls { ca: KeyPairPem; serving: KeyPairPem; caCreated: boolean }

export async function prepareServingTls(o: ServingTlsOptions): Promise<ServingTls> {
  const core = o.kc.makeApiClient(CoreV1Api);
  const { ca, created } = await ensureCaSecret(core, o.namespace, o.caSecretName, o.logger);
  const serving = issueServingCert(ca, servingDnsNames(o.serviceName, o.namespace));
  return { ca, serving, caCreated: created };
}

export interface CaBundleKeeper { stop(): void; firstWrite: Promise<void> }

/** Keeps the webhook's caBundle equal to `caPem` until stopped. */
export function keepCaBundle(kc: KubeConfig, webhookConfigName: string, caPem: string, logger: Logger, retryMs = 2000, recheckMs = 60_000): CaBundleKeeper {
  const api = kc.makeApiClient(AdmissionregistrationV1Api);
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let resolveFirst!: () => void;
  const firstWrite = new Promise<void>((r) => (resolveFirst = r));
  let written = false;
  let misses = 0;

  const tick = async () => {
    if (stopped) return;
    let next = recheckMs;
    try {
      const r = await writeCaBundle(api, webhookConfigName, caPem);
      if (r === "not-found") {
        // Once at warn level; a chart install may take a while to create it.
        (misses++ === 0 ? logger.warn : logger.debug).call(logger, "MutatingWebhookConfiguration not found yet; will retry", { name: webhookConfigName });
        next = retryMs;
      } else {
        if (r === "updated") logger.info("wrote caBundle into MutatingWebhookConfiguration", { name: webhookConfigName });
        if (!written) { written = true; resolveFirst(); }
      }
    } catch (err) {
      logger.warn("could not write caBundle; will retry", { name: webhookConfigName, error: err instanceof Error ? err.message : String(err) });
      next = retryMs;
    }
    if (!stopped) timer = setTimeout(() => void tick(), next);
  };
  void tick();
  return {
    firstWrite,
    stop() { stopped = true; if (timer) clearTimeout(timer); },
  };
}
