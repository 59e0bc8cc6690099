// The secrets API once, for both transports: store lookup with Dapr's errors,
// the Configuration's `secrets.scopes`, and the store call inside the
// component's outbound resiliency policy. Secret values are returned to the
// caller only: never logged, never put in metrics or error messages.
import { DaprError, Errors } from "../../errors/catalog.js";
import type { SecretStore, Secret } from "../../components/secretstores/index.js";
import { isSecretAllowed, type SecretsScope } from "../../config/secret-scopes.js";
import type { Logger } from "../../log/logger.js";
import type { RuntimeContext } from "../../runtime/runtime-context.js";
import { secretCalls } from "./secrets-metrics.js";

export class SecretsCore {
  private readonly log: Logger;

  constructor(private readonly rt: RuntimeContext, private readonly scopes: readonly SecretsScope[]) {
    this.log = rt.logger.child("secrets");
  }

  async get(storeName: string, key: string, metadata: Record<string, string> = {}): Promise<Secret> {
    const store = this.resolve(storeName);
    if (!isSecretAllowed(this.scopes, storeName, key)) {
      const err = Errors.secretPermissionDenied(key, storeName);
      this.log.debug(err.message);
      throw err;
    }
    return this.call(storeName, "get", () => store.getSecret({ name: key, metadata }), (why) => Errors.secretGet(key, storeName, why));
  }

  /** Every secret of the store the scopes allow; denied ones are left out, as Dapr does. */
  async bulk(storeName: string, metadata: Record<string, string> = {}): Promise<Record<string, Secret>> {
    const store = this.resolve(storeName);
    const all = await this.call(storeName, "bulk_get", () => store.bulkGetSecret({ metadata }), (why) => Errors.secretBulkGet(storeName, why));
    const out: Record<string, Secret> = {};
    for (const [name, secret] of Object.entries(all)) {
      if (isSecretAllowed(this.scopes, storeName, name)) out[name] = secret;
    }
    return out;
  }

  private resolve(storeName: string): SecretStore {
    const c = this.rt.hub.find("secretstores", storeName);
    if (!c) {
      if (this.rt.hub.list("secretstores").length === 0) throw Errors.secretStoresNotConfigured();
      throw Errors.secretStoreNotFound(storeName);
    }
    return c.instance as SecretStore;
  }

  private async call<T>(storeName: string, operation: string, fn: () => Promise<T>, fail: (why: string) => DaprError): Promise<T> {
    try {
      return await secretCalls.measure({ app_id: this.rt.appId, component: storeName, operation }, () =>
        this.rt.policies.componentOutbound(storeName, "secretstores").run(() => fn()),
      );
    } catch (err) {
      if (err instanceof DaprError) throw err;
      // Store errors name the secret, never its value (see SecretNotFoundError).
      throw fail(err instanceof Error ? err.message : String(err));
    }
  }
}
