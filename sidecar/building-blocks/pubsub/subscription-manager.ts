// Delivers messages from pub/sub components to the app, as Dapr does: the
// message becomes a CloudEvent, the routing rules pick the path, the app's
// answer decides (SUCCESS acks, RETRY redelivers, DROP acks), the component's
// inbound resiliency policy retries, and a dead-letter topic takes what is
// dropped or keeps failing. Subscriptions pause while the app is unhealthy.
import type { AppChannel, DeliveryStatus } from "../../app-channel/app-channel.js";
import type { Message, Subscription } from "../../components/pubsub/pubsub.js";
import type { Logger } from "../../log/logger.js";
import type { RuntimeContext } from "../../runtime/runtime-context.js";
import { BulkBatcher, type Batched } from "./bulk-batcher.js";
import { deliveryEnvelope, isRawPayload, type CloudEvent } from "./cloudevent.js";
import { toInfo, type EffectiveSubscription } from "./effective-subscriptions.js";
import type { PubSubCore } from "./pubsub-core.js";
import { ingressCount, ingressLatency } from "./pubsub-metrics.js";

/** Thrown inside the inbound policy so RETRY answers are retried like failures. */
class RetryRequested extends Error {
  constructor(path: string) {
    super(`app asked to retry the event (route ${path})`);
  }
}

interface Active {
  sub: EffectiveSubscription;
  handle?: Subscription;
}

export class SubscriptionManager {
  private active: Active[] = [];
  private running = false;
  private readonly log: Logger;

  constructor(
    private readonly rt: RuntimeContext,
    private readonly core: PubSubCore,
    private readonly channel: AppChannel,
  ) {
    this.log = rt.logger.child("pubsub");
  }

  /** Replaces the subscription set; running subscriptions are restarted. */
  async set(subs: EffectiveSubscription[]): Promise<void> {
    const wasRunning = this.running;
    await this.stop();
    const seen = new Set<string>();
    this.active = [];
    for (const sub of subs) {
      const key = `${sub.pubsubName}||${sub.topic}`;
      if (seen.has(key)) {
        this.log.warn("duplicate subscription ignored", { pubsub: sub.pubsubName, topic: sub.topic, source: sub.source });
        continue;
      }
      seen.add(key);
      this.active.push({ sub });
    }
    if (wasRunning) await this.start();
  }

  list() {
    return this.active.map((a) => toInfo(a.sub));
  }

  async start(): Promise<void> {
    this.running = true;
    await Promise.all(this.active.map((a) => this.subscribeOne(a)));
  }

  /** Closes every component subscription; in-flight deliveries finish first. */
  async stop(): Promise<void> {
    this.running = false;
    const handles = this.active.map((a) => a.handle).filter((h): h is Subscription => !!h);
    for (const a of this.active) a.handle = undefined;
    await Promise.allSettled(handles.map((h) => h.close()));
  }

  private async subscribeOne(a: Active): Promise<void> {
    const { sub } = a;
    let pubsub;
    try {
      pubsub = this.core.resolve(sub.pubsubName);
    } catch (err) {
      this.log.error("cannot subscribe: pubsub not available", { pubsub: sub.pubsubName, topic: sub.topic, error: (err as Error).message });
      return;
    }
    if (!pubsub.scopes.canSubscribe(sub.topic)) {
      this.log.warn("subscription not allowed by the component's topic scopes", { pubsub: sub.pubsubName, topic: sub.topic });
      return;
    }
    const handler = sub.bulk ? this.bulkHandler(sub) : (msg: Message) => this.deliverOne(sub, msg);
    try {
      a.handle = await pubsub.pubsub.subscribe({ topic: sub.topic, metadata: sub.metadata }, handler);
      this.log.info("subscribed", { pubsub: sub.pubsubName, topic: sub.topic, type: sub.type });
    } catch (err) {
      this.log.error("subscribe failed", { pubsub: sub.pubsubName, topic: sub.topic, error: (err as Error).message });
    }
  }

  /** One message: resolves to ack, rejects to have the component redeliver it. */
  private async deliverOne(sub: EffectiveSubscription, msg: Message): Promise<void> {
    const start = performance.now();
    let outcome: "success" | "retry" | "drop" = "success";
    try {
      const env = deliveryEnvelope({ data: msg.data, topic: sub.topic, pubsubName: sub.pubsubName, rawPayload: isRawPayload(sub.metadata) });
      if (env.kind === "invalid") {
        // Not a CloudEvent on an enveloped subscription: retrying cannot help.
        this.log.error("dropping a message that is not a valid CloudEvent", { pubsub: sub.pubsubName, topic: sub.topic, error: env.error });
        outcome = "drop";
        return await this.deadLetter(sub, msg);
      }
      if (env.kind === "expired") {
        this.log.warn("dropping an expired message", { pubsub: sub.pubsubName, topic: sub.topic, id: env.event.id });
        outcome = "drop";
        return;
      }
      const path = sub.routes.pathFor(env.event);
      if (!path) {
        this.log.warn("no route matches the event; dropping it", { pubsub: sub.pubsubName, topic: sub.topic, id: env.event.id });
        outcome = "drop";
        return;
      }
      const status = await this.deliverWithPolicy(sub, env.event, path);
      if (status === "DROP") {
        outcome = "drop";
        await this.deadLetter(sub, msg);
      }
    } catch (err) {
      if (sub.deadLetterTopic) {
        this.log.warn("delivery failed; sending to the dead-letter topic", { topic: sub.topic, dead_letter_topic: sub.deadLetterTopic, error: (err as Error).message });
        outcome = "drop";
        return await this.deadLetter(sub, msg);
      }
      outcome = "retry";
      throw err;
    } finally {
      const labels = { app_id: this.rt.appId, component: sub.pubsubName, process_status: outcome, topic: sub.topic };
      ingressCount.inc(labels);
      ingressLatency.observe(labels, performance.now() - start);
    }
  }

  private deliverWithPolicy(sub: EffectiveSubscription, event: CloudEvent, path: string): Promise<DeliveryStatus> {
    return this.rt.policies.componentInbound(sub.pubsubName, "pubsub").run(async () => {
      const status = await this.channel.deliverTopicEvent({ path, event, pubsubName: sub.pubsubName, topic: sub.topic });
      if (status === "RETRY") throw new RetryRequested(path);
      return status;
    });
  }

  private bulkHandler(sub: EffectiveSubscription) {
    const batcher = new BulkBatcher<Message>(sub.bulk!.maxMessagesCount, sub.bulk!.maxAwaitDurationMs, (batch) => this.deliverBatch(sub, batch));
    return (msg: Message) => batcher.add(msg);
  }

  /** A batch of messages as one bulk request; each message settles with its own entry's verdict. */
  private async deliverBatch(sub: EffectiveSubscription, batch: Batched<Message>[]): Promise<void> {
    const raw = isRawPayload(sub.metadata);
    const byPath = new Map<string, { entryId: string; b: Batched<Message>; event: CloudEvent }[]>();
    batch.forEach((b, i) => {
      const env = deliveryEnvelope({ data: b.item.data, topic: sub.topic, pubsubName: sub.pubsubName, rawPayload: raw });
      if (env.kind !== "deliver") return b.resolve();
      const path = sub.routes.pathFor(env.event);
      if (!path) return b.resolve();
      const list = byPath.get(path) ?? [];
      list.push({ entryId: String(env.event.id ?? i), b, event: env.event });
      byPath.set(path, list);
    });
    for (const [path, entries] of byPath) {
      let verdicts: Record<string, DeliveryStatus>;
      try {
        verdicts = await this.channel.deliverBulkTopicEvent({
          path, pubsubName: sub.pubsubName, topic: sub.topic, metadata: sub.metadata,
          entries: entries.map((e) => ({ entryId: e.entryId, event: e.event, contentType: "application/cloudevents+json", metadata: {} })),
        });
      } catch {
        verdicts = Object.fromEntries(entries.map((e) => [e.entryId, "RETRY" as DeliveryStatus]));
      }
      for (const e of entries) {
        const v = verdicts[e.entryId];
        if (v === "SUCCESS") e.b.resolve();
        else if (v === "DROP") this.deadLetter(sub, e.b.item).then(e.b.resolve, e.b.reject);
        else e.b.reject(new RetryRequested(path));
      }
    }
  }

  private async deadLetter(sub: EffectiveSubscription, msg: Message): Promise<void> {
    if (!sub.deadLetterTopic) return;
    const pubsub = this.core.resolve(sub.pubsubName);
    // The original bytes go to the dead-letter topic unchanged (already an envelope).
    await pubsub.pubsub.publish({ topic: sub.deadLetterTopic, data: msg.data, contentType: msg.contentType, metadata: {} });
  }
}
