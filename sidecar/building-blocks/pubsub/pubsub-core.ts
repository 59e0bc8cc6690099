// Publishing, once for both transports: find the component, check topic
// scoping, build (or pass through) the CloudEvent, publish under the
// component's outbound resiliency policy.
import { DaprError, Errors } from "../../errors/catalog.js";
import { topicScopes, type TopicScopes } from "../../components/pubsub/topic-scopes.js";
import { bulkPublish, type PubSub } from "../../components/pubsub/pubsub.js";
import type { LoadedComponent } from "../../components/hub.js";
import type { RuntimeContext } from "../../runtime/runtime-context.js";
import { CloudEventError, isRawPayload, publishPayload, type EnvelopeInput } from "./cloudevent.js";
import { egress } from "./pubsub-metrics.js";

export interface PublishInput {
  pubsubName: string;
  topic: string;
  data: Buffer;
  contentType?: string;
  metadata: Record<string, string>;
  traceparent?: string;
  tracestate?: string;
}

export interface BulkPublishInput {
  pubsubName: string;
  topic: string;
  entries: { entryId: string; event: Buffer; contentType: string; metadata: Record<string, string> }[];
  metadata: Record<string, string>;
  traceparent?: string;
}

export interface ResolvedPubSub {
  name: string;
  pubsub: PubSub;
  scopes: TopicScopes;
  nativeTtl: boolean;
}

export class PubSubCore {
  /** Per loaded component (a hot reload brings a new one): its scopes and features, worked out once. */
  private readonly resolved = new WeakMap<LoadedComponent, ResolvedPubSub>();

  constructor(private readonly rt: RuntimeContext) {}

  async publish(p: PublishInput): Promise<void> {
    const c = this.resolveForPublish(p.pubsubName, p.topic);
    const payload = this.envelope(c, p.topic, p.data, p.contentType, p.metadata, p.traceparent, p.tracestate);
    const msg = { topic: p.topic, data: payload.data, contentType: payload.contentType, metadata: p.metadata };
    try {
      await this.measure(c.name, p.topic, () => this.rt.policies.componentOutbound(c.name, "pubsub").run(() => c.pubsub.publish(msg)));
    } catch (err) {
      throw err instanceof DaprError ? err : Errors.pubsubPublish(p.topic, c.name, (err as Error).message);
    }
  }

  /** Publishes many events; resolves the entries that failed (empty when all went out). */
  async bulkPublish(p: BulkPublishInput): Promise<{ entryId: string; error: string }[]> {
    const c = this.resolveForPublish(p.pubsubName, p.topic);
    const seen = new Set<string>();
    const entries = p.entries.map((e) => {
      if (!e.entryId) throw Errors.pubsubBulkEntries("every entry needs an entryId");
      if (seen.has(e.entryId)) throw Errors.pubsubBulkEntries(`entryId ${e.entryId} is not unique`);
      seen.add(e.entryId);
      const metadata = { ...p.metadata, ...e.metadata };
      const payload = this.envelope(c, p.topic, e.event, e.contentType, metadata, p.traceparent);
      return { entryId: e.entryId, event: payload.data, contentType: payload.contentType, metadata: e.metadata };
    });
    const res = await this.measure(c.name, p.topic, () =>
      this.rt.policies.componentOutbound(c.name, "pubsub").run(() => bulkPublish(c.pubsub, { topic: p.topic, entries, metadata: p.metadata })),
    ).catch((err) => {
      throw Errors.pubsubPublish(p.topic, c.name, (err as Error).message);
    });
    return res.failedEntries;
  }

  /** The pub/sub component `name`, with Dapr's errors when it is not there. */
  resolve(name: string): ResolvedPubSub {
    if (!name) throw Errors.pubsubEmpty();
    const c = this.rt.hub.find("pubsub", name);
    if (!c) {
      if (this.rt.hub.list("pubsub").length === 0) throw Errors.pubsubNotConfigured();
      throw Errors.pubsubNotFound(name);
    }
    let r = this.resolved.get(c);
    if (!r) {
      const pubsub = c.instance as PubSub;
      r = { name, pubsub, scopes: topicScopes(c.properties, this.rt.appId), nativeTtl: pubsub.features().includes("MESSAGE_TTL") };
      this.resolved.set(c, r);
    }
    return r;
  }

  private resolveForPublish(name: string, topic: string): ResolvedPubSub {
    const c = this.resolve(name);
    if (!topic) throw Errors.topicEmpty(name);
    if (!c.scopes.canPublish(topic)) throw Errors.pubsubForbidden(topic, name, this.rt.appId);
    return c;
  }

  private envelope(c: ResolvedPubSub, topic: string, data: Buffer, contentType: string | undefined, metadata: Record<string, string>, traceparent?: string, tracestate?: string) {
    const input: EnvelopeInput = {
      data, contentType, topic, pubsubName: c.name, appId: this.rt.appId, metadata, traceparent, tracestate,
      brokerHasNativeTtl: c.nativeTtl,
    };
    try {
      return publishPayload(input);
    } catch (err) {
      if (err instanceof CloudEventError) {
        if (/ttlInSeconds/.test(err.message)) throw Errors.pubsubMetadata(err.message);
        throw Errors.pubsubCloudEvent(topic, c.name, err.message);
      }
      throw err;
    }
  }

  private measure<T>(component: string, topic: string, fn: () => Promise<T>): Promise<T> {
    return egress.measure({ app_id: this.rt.appId, component, topic }, fn);
  }
}

export { isRawPayload };
