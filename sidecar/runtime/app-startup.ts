// What happens once the app is reachable: ask it for its subscriptions (with
// retries, as Dapr's built-in initialisation policy), merge the declarative
// ones, start delivering, and pause delivery while the app is unhealthy.
import type { AppChannel } from "../app-channel/app-channel.js";
import { AppHealthMonitor } from "../app-channel/app-health.js";
import { waitForAppPort } from "../app-channel/wait-for-app.js";
import { fromAppSubscription, fromResource, type EffectiveSubscription } from "../building-blocks/pubsub/effective-subscriptions.js";
import type { SubscriptionManager } from "../building-blocks/pubsub/subscription-manager.js";
import type { Logger } from "../log/logger.js";
import type { SubscriptionResource, Sourced } from "../resources/types.js";
import { inScope } from "../components/initializer.js";
import type { SidecarOptions } from "./flags.js";

export interface AppStartupDeps {
  opts: SidecarOptions;
  channel: AppChannel;
  subscriptions: SubscriptionManager;
  declarative: Sourced<SubscriptionResource>[];
  logger: Logger;
  signal: AbortSignal;
}

export async function connectApp(d: AppStartupDeps): Promise<AppHealthMonitor | undefined> {
  await waitForAppPort(d.opts.appChannelAddress, d.opts.appPort!, d.logger, d.signal);
  if (d.signal.aborted) return undefined;
  await d.subscriptions.set(await effectiveSubscriptions(d));
  await d.subscriptions.start();
  if (!d.opts.enableAppHealthCheck) return undefined;
  const monitor = new AppHealthMonitor(
    d.channel,
    { intervalMs: d.opts.appHealthProbeIntervalSeconds * 1000, timeoutMs: d.opts.appHealthProbeTimeoutMs, threshold: d.opts.appHealthThreshold },
    d.logger.child("app-health"),
  );
  monitor.onChange((healthy) => void (healthy ? d.subscriptions.start() : d.subscriptions.stop()));
  monitor.start();
  return monitor;
}

async function effectiveSubscriptions(d: AppStartupDeps): Promise<EffectiveSubscription[]> {
  const out: EffectiveSubscription[] = [];
  for (const s of await appSubscriptions(d)) {
    try {
      out.push(fromAppSubscription(s));
    } catch (err) {
      d.logger.error("app subscription skipped", { error: (err as Error).message });
    }
  }
  for (const r of d.declarative) {
    if (!inScope(r.resource.scopes, d.opts.appId)) continue;
    try {
      out.push(fromResource(r));
    } catch (err) {
      d.logger.error("subscription skipped", { error: (err as Error).message });
    }
  }
  return out;
}

async function appSubscriptions(d: AppStartupDeps) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await d.channel.listSubscriptions();
    } catch (err) {
      if (attempt >= 5 || d.signal.aborted) {
        d.logger.error("could not read the app's subscriptions; continuing without them", { error: (err as Error).message });
        return [];
      }
      await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
    }
  }
}
