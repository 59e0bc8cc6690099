// Keeps the injector's CA in a Kubernetes Secret, so restarts and replicas
// share one CA and the caBundle in the webhook configuration stays valid.
// First start creates it; a create that loses a race to another replica
// adopts the winner's CA.
import { ApiException, type CoreV1Api, type V1Secret } from "@kubernetes/client-node";
import type { Logger } from "../../sidecar/log/logger.js";
import { caIsUsable, createCa, type KeyPairPem } from "./generate.js";

export const caCertKey = "ca.crt";
export const caKeyKey = "ca.key";

export function caFromSecret(secret: V1Secret | undefined): KeyPairPem | undefined {
  const data = secret?.data;
  const cert = data?.[caCertKey];
  const key = data?.[caKeyKey];
  if (!cert || !key) return undefined;
  return { certPem: Buffer.from(cert, "base64").toString("utf8"), keyPem: Buffer.from(key, "base64").toString("utf8") };
}

export function secretForCa(name: string, namespace: string, ca: KeyPairPem, resourceVersion?: string): V1Secret {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name, namespace, ...(resourceVersion ? { resourceVersion } : {}), labels: { "app.kubernetes.io/part-of": "dapr-ts", "app.kubernetes.io/component": "sidecar-injector" } },
    type: "Opaque",
    data: { [caCertKey]: Buffer.from(ca.certPem).toString("base64"), [caKeyKey]: Buffer.from(ca.keyPem).toString("base64") },
  };
}

export function isStatus(err: unknown, code: number): boolean {
  if (err instanceof ApiException) return err.code === code;
  const e = err as { code?: unknown; statusCode?: unknown; response?: { statusCode?: unknown } } | undefined;
  return e?.code === code || e?.statusCode === code || e?.response?.statusCode === code;
}

async function readSecret(core: CoreV1Api, namespace: string, name: string): Promise<V1Secret | undefined> {
  try {
    return await core.readNamespacedSecret({ name, namespace });
  } catch (err) {
    if (isStatus(err, 404)) return undefined;
    throw err;
  }
}

export interface EnsureCaResult { ca: KeyPairPem; created: boolean }

export async function ensureCaSecret(
  core: CoreV1Api,
  namespace: string,
  name: string,
  logger: Logger,
  now: () => Date = () => new Date(),
): Promise<EnsureCaResult> {
  const existing = await readSecret(core, namespace, name);
  const stored = caFromSecret(existing);
  if (stored && caIsUsable(stored, now())) {
    logger.info("reusing injector CA from Secret", { secret: `${namespace}/${name}` });
    return { ca: stored, created: false };
  }
  const ca = createCa(undefined, now());
  if (!existing) {
    try {
      await core.createNamespacedSecret({ namespace, body: secretForCa(name, namespace, ca) });
      logger.info("created injector CA Secret", { secret: `${namespace}/${name}` });
      return { ca, created: true };
    } catch (err) {
      if (!isStatus(err, 409)) throw err;
      // Another replica created it first: use theirs, so both serve one CA.
      const theirs = caFromSecret(await readSecret(core, namespace, name));
      if (theirs && caIsUsable(theirs, now())) return { ca: theirs, created: false };
      throw new Error(`CA Secret ${namespace}/${name} appeared during creation but holds no usable CA`);
    }
  }
  // Present but missing keys, corrupt or near expiry: replace, guarded by resourceVersion.
  logger.warn("injector CA Secret holds no usable CA; replacing it", { secret: `${namespace}/${name}` });
  await core.replaceNamespacedSecret({ name, namespace, body: secretForCa(name, namespace, ca, existing.metadata?.resourceVersion) });
  return { ca, created: true };
}
