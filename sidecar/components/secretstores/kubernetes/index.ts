// secretstores.kubernetes: reads Secrets from the Kubernetes API with the
// pod's service account (in cluster) or KUBECONFIG (outside). The namespace
// is the request's `metadata.namespace`, else the sidecar's own namespace.
// Secret data arrive base64-encoded and are answered decoded.
import { ApiException, CoreV1Api, KubeConfig, type V1Secret } from "@kubernetes/client-node";
import type { ComponentContext } from "../../component.js";
import {
  SecretNotFoundError,
  type BulkGetSecretRequest,
  type GetSecretRequest,
  type Secret,
  type SecretStore,
  type SecretStoreFeature,
} from "../secret-store.js";

function decode(secret: V1Secret): Secret {
  const out: Secret = {};
  for (const [k, v] of Object.entries(secret.data ?? {})) out[k] = Buffer.from(v, "base64").toString("utf8");
  // stringData is write-only in the API, but API doubles may return it; it is plain text.
  for (const [k, v] of Object.entries(secret.stringData ?? {})) if (!(k in out)) out[k] = v;
  return out;
}

export class KubernetesSecretStore implements SecretStore {
  private api?: CoreV1Api;

  /** `kubeConfig` is for tests; by default KUBECONFIG or the in-cluster config is loaded. */
  constructor(
    private readonly ctx: ComponentContext,
    private readonly kubeConfig?: KubeConfig,
  ) {}

  async init(): Promise<void> {
    let kc = this.kubeConfig;
    if (!kc) {
      kc = new KubeConfig();
      try {
        kc.loadFromDefault();
      } catch (err) {
        throw new Error(`component ${this.ctx.name}: cannot load a Kubernetes configuration: ${(err as Error).message}`);
      }
    }
    if (!kc.getCurrentCluster()) throw new Error(`component ${this.ctx.name}: no Kubernetes cluster configured (set KUBECONFIG or run in a pod)`);
    this.api = kc.makeApiClient(CoreV1Api);
  }

  features(): SecretStoreFeature[] {
    // A Kubernetes Secret holds several keys, but Dapr does not announce the feature for this store.
    return [];
  }

  private namespace(metadata: Record<string, string>): string {
    const ns = metadata["namespace"] || this.ctx.namespace || process.env.NAMESPACE;
    if (!ns) throw new Error("namespace is missing on metadata and NAMESPACE env variable");
    return ns;
  }

  private client(): CoreV1Api {
    if (!this.api) throw new Error(`secret store ${this.ctx.name} is not initialized`);
    return this.api;
  }

  async getSecret(req: GetSecretRequest): Promise<Secret> {
    const namespace = this.namespace(req.metadata);
    try {
      return decode(await this.client().readNamespacedSecret({ name: req.name, namespace }));
    } catch (err) {
      if (err instanceof ApiException && err.code === 404) throw new SecretNotFoundError(req.name, this.ctx.name);
      throw err;
    }
  }

  async bulkGetSecret(req: BulkGetSecretRequest): Promise<Record<string, Secret>> {
    const namespace = this.namespace(req.metadata);
    const list = await this.client().listNamespacedSecret({ namespace });
    const out: Record<string, Secret> = {};
    for (const s of list.items) if (s.metadata?.name) out[s.metadata.name] = decode(s);
    return out;
  }

  async close(): Promise<void> {
    this.api = undefined;
  }
}
