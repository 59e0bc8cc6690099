// The configuration API once, for both transports: get, subscribe and
// unsubscribe, with Dapr's errors and resiliency. Each subscription is known
// here by id, so unsubscribing through either transport ends it, and a gRPC
// stream that goes away ends its own subscription.
import { DaprError, Errors } from "../../errors/catalog.js";
import type {
  ConfigurationItem,
  ConfigurationStore,
  ConfigurationUpdateEvent,
  ConfigurationUpdateHandler,
} from "../../components/configuration/index.js";
import type { Logger } from "../../log/logger.js";
import type { RuntimeContext } from "../../runtime/runtime-context.js";
import { measuredConfiguration } from "./configuration-metrics.js";

interface LiveSubscription {
  storeName: string;
  /** Called once the subscription ends (the gRPC stream closes). */
  onEnd?: () => void;
}

export class ConfigurationCore {
  private readonly subs = new Map<string, LiveSubscription>();
  private readonly log: Logger;

  constructor(private readonly rt: RuntimeContext) {
    this.log = rt.logger.child("configuration");
  }

  async get(storeName: string, keys: string[], metadata: Record<string, string> = {}): Promise<Record<string, ConfigurationItem>> {
    const store = this.resolve(storeName);
    try {
      const res = await measuredConfiguration(this.rt.appId, storeName, "get", () =>
        this.rt.policies.componentOutbound(storeName, "configuration").run(() => store.get({ keys, metadata })));
      return res.items;
    } catch (err) {
      throw err instanceof DaprError ? err : Errors.configurationGet(keys, storeName, messageOf(err));
    }
  }

  /** Subscribes `handler` to changes; resolves the subscription id once changes are being watched. */
  async subscribe(
    storeName: string,
    keys: string[],
    metadata: Record<string, string>,
    handler: ConfigurationUpdateHandler,
    onEnd?: () => void,
  ): Promise<string> {
    const store = this.resolve(storeName);
    const safe = async (e: ConfigurationUpdateEvent) => {
      try {
        await handler(e);
      } catch (err) {
        this.log.error("configuration update not delivered", { store: storeName, id: e.id, error: messageOf(err) });
      }
    };
    let id: string;
    try {
      id = await measuredConfiguration(this.rt.appId, storeName, "subscribe", () => store.subscribe({ keys, metadata }, safe));
    } catch (err) {
      throw err instanceof DaprError ? err : Errors.configurationSubscribe(keys, storeName, messageOf(err));
    }
    this.subs.set(id, { storeName, onEnd });
    return id;
  }

  async unsubscribe(storeName: string, id: string): Promise<void> {
    const store = this.resolve(storeName);
    try {
      await measuredConfiguration(this.rt.appId, storeName, "unsubscribe", () => store.unsubscribe(id));
    } catch (err) {
      throw err instanceof DaprError ? err : Errors.configurationUnsubscribe(id, messageOf(err));
    }
    const sub = this.subs.get(id);
    this.subs.delete(id);
    sub?.onEnd?.();
  }

  /** Ends every live subscription (shutdown). */
  async stopAll(): Promise<void> {
    const all = [...this.subs.entries()];
    await Promise.allSettled(all.map(([id, s]) => this.unsubscribe(s.storeName, id)));
  }

  private resolve(storeName: string): ConfigurationStore {
    const c = this.rt.hub.find("configuration", storeName);
    if (!c) {
      if (this.rt.hub.list("configuration").length === 0) throw Errors.configurationNotConfigured();
      throw Errors.configurationStoreNotFound(storeName);
    }
    return c.instance as ConfigurationStore;
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
