// Merges the app's programmatic subscriptions with declarative Subscription
// resources into what the sidecar subscribes to, compiling routing rules once.
// A subscription with a bad rule is reported (naming its source) and skipped.
import type { AppSubscription } from "../../app-channel/app-channel.js";
import type { SubscriptionResource, Sourced } from "../../resources/types.js";
import type { SubscriptionInfo } from "../metadata/metadata-core.js";
import { compileRoutes, type CompiledRoutes } from "./routing.js";

export interface EffectiveSubscription {
  pubsubName: string;
  topic: string;
  metadata: Record<string, string>;
  routes: CompiledRoutes;
  deadLetterTopic?: string;
  bulk?: { maxMessagesCount: number; maxAwaitDurationMs: number };
  type: SubscriptionInfo["type"];
  source: string;
}

export function fromAppSubscription(s: AppSubscription): EffectiveSubscription {
  return {
    pubsubName: s.pubsubname,
    topic: s.topic,
    metadata: s.metadata ?? {},
    routes: compileRoutes({ route: s.route, routes: s.routes }, `app subscription ${s.pubsubname}/${s.topic}`),
    deadLetterTopic: s.deadLetterTopic,
    bulk: bulkOf(s.bulkSubscribe),
    type: "PROGRAMMATIC",
    source: "app",
  };
}

export function fromResource(r: Sourced<SubscriptionResource>): EffectiveSubscription {
  const spec = r.resource.spec;
  return {
    pubsubName: spec.pubsubname,
    topic: spec.topic,
    metadata: spec.metadata ?? {},
    routes: compileRoutes({ route: spec.route, routes: spec.routes }, `${r.source}: subscription ${r.resource.metadata.name}`),
    deadLetterTopic: spec.deadLetterTopic || undefined,
    bulk: bulkOf(spec.bulkSubscribe),
    type: "DECLARATIVE",
    source: r.source,
  };
}

function bulkOf(b: AppSubscription["bulkSubscribe"]): EffectiveSubscription["bulk"] {
  if (!b?.enabled) return undefined;
  return { maxMessagesCount: b.maxMessagesCount || 100, maxAwaitDurationMs: b.maxAwaitDurationMs || 1000 };
}

export function toInfo(s: EffectiveSubscription): SubscriptionInfo {
  return {
    pubsubname: s.pubsubName,
    topic: s.topic,
    metadata: s.metadata,
    rules: s.routes.rules.map((r) => ({ match: r.match, path: r.path })),
    deadLetterTopic: s.deadLetterTopic,
    type: s.type,
  };
}
