// Pub/sub as a building block: publishing on both transports, and (once the
// app is reachable) delivery of its programmatic and declarative subscriptions.
import { RELOAD_SUBSCRIPTIONS_HOOK } from "../../runtime/reload-hooks.js";
import type { BlockFactory } from "../../runtime/building-block.js";
import { inScope } from "../../components/initializer.js";
import { fromAppSubscription, fromResource, type EffectiveSubscription } from "./effective-subscriptions.js";
import { pubsubGrpcHandlers } from "./pubsub-grpc.js";
import { registerPubSubHttp } from "./pubsub-http.js";
import { SubscriptionManager } from "./subscription-manager.js";
import { StreamingSubscriptions } from "./streaming-subscriptions.js";

export const pubsubBlock: BlockFactory = (ctx) => {
  const log = ctx.rt.logger.child("pubsub");
  const manager = ctx.appChannel ? new SubscriptionManager(ctx.rt, ctx.pubsub, ctx.appChannel) : undefined;
  const streaming = new StreamingSubscriptions(ctx.pubsub, log);
  ctx.metadata.sources.subscriptions = () => [...(manager?.list() ?? []), ...streaming.list()];

  async function effectiveSubscriptions(): Promise<EffectiveSubscription[]> {
    const out: EffectiveSubscription[] = [];
    for (const s of await appSubscriptions()) {
      try {
        out.push(fromAppSubscription(s));
      } catch (err) {
        log.error("app subscription skipped", { error: (err as Error).message });
      }
    }
    for (const r of ctx.resources.subscriptions) {
      if (!inScope(r.resource.scopes, ctx.opts.appId)) continue;
      try {
        out.push(fromResource(r));
      } catch (err) {
        log.error("subscription skipped", { error: (err as Error).message });
      }
    }
    return out;
  }

  /** The app's programmatic subscriptions, retried a few times as Dapr's initialisation policy does. */
  async function appSubscriptions() {
    for (let attempt = 1; ; attempt++) {
      try {
        return await ctx.appChannel!.listSubscriptions();
      } catch (err) {
        if (attempt >= 5) {
          log.error("could not read the app's subscriptions; continuing without them", { error: (err as Error).message });
          return [];
        }
        await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
      }
    }
  }

  // Kubernetes hot reload replaces ctx.resources.subscriptions in place and calls this.
  if (manager) ctx.shared.set(RELOAD_SUBSCRIPTIONS_HOOK, async () => manager.set(await effectiveSubscriptions()));

  return {
    name: "pubsub",
    http: (r) => registerPubSubHttp(r, ctx.pubsub),
    grpc: { ...pubsubGrpcHandlers(ctx.pubsub), SubscribeTopicEventsAlpha1: streaming.handler() as never },
    appReady: manager
      ? async () => {
          await manager.set(await effectiveSubscriptions());
          await manager.start();
        }
      : undefined,
    appHealthChanged: manager ? (healthy) => (healthy ? manager.start() : manager.stop()) : undefined,
    stop: manager ? () => manager.stop() : undefined,
  };
};
