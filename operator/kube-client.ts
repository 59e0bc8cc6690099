// The few Kubernetes API calls the operator makes, on @kubernetes/client-node,
// with "not found" mapped to undefined (it is a normal outcome for a
// reconciler, not an error) and merge patches for status writes (so a write
// never conflicts with a spec change made meanwhile).
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig, type V1Service } from "@kubernetes/client-node";

export interface DaprKind {
  kind: string;
  /** The version the operator reads and writes (the storage version). */
  version: string;
  plural: string;
}

export const daprGroup = "dapr.io";

export function statusOf(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === "number" ? code : undefined;
}

async function orUndefined<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    if (statusOf(err) === 404) return undefined;
    throw err;
  }
}

const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

export class OperatorKubeClient {
  readonly core: CoreV1Api;
  readonly custom: CustomObjectsApi;

  constructor(readonly kc: KubeConfig) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.custom = kc.makeApiClient(CustomObjectsApi);
  }

  /** Writes `status` through the status subresource; false when the object is gone. */
  async patchStatus(kind: DaprKind, namespace: string, name: string, status: unknown): Promise<boolean> {
    const done = await orUndefined(
      this.custom.patchNamespacedCustomObjectStatus({ group: daprGroup, version: kind.version, namespace, plural: kind.plural, name, body: { status } }, mergePatch),
    );
    return done !== undefined;
  }

  /** The key names of a Secret (never its values), or undefined when it does not exist. */
  async secretKeys(namespace: string, name: string): Promise<string[] | undefined> {
    const secret = await orUndefined(this.core.readNamespacedSecret({ namespace, name }));
    return secret ? [...Object.keys(secret.data ?? {}), ...Object.keys(secret.stringData ?? {})] : undefined;
  }

  createService(namespace: string, body: V1Service): Promise<V1Service> {
    return this.core.createNamespacedService({ namespace, body });
  }

  replaceService(namespace: string, name: string, body: V1Service): Promise<V1Service> {
    return this.core.replaceNamespacedService({ namespace, name, body });
  }

  async deleteService(namespace: string, name: string): Promise<void> {
    await orUndefined(this.core.deleteNamespacedService({ namespace, name }));
  }
}
