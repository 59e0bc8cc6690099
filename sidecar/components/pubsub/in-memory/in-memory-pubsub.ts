// `pubsub.in-memory`: a single-process broker for development and tests.
// Metadata: `consumerID` (group; defaults to the app id), `redeliverInterval`
// (delay before a nacked message comes back; default 1s), `concurrency`
// (handlers running at once per subscription; default 1, which keeps order).
import { intProp, type ComponentContext } from "../../component.js";
import { consumerIdOf, durationProp, messageTtlSeconds } from "../metadata.js";
import type {
  BulkPublishRequest,
  BulkPublishResponse,
  BulkPublisher,
  MessageHandler,
  PublishRequest,
  PubSubFeature,
  SubscribeRequest,
  Subscription,
} from "../pubsub.js";
import { busFor, type InMemoryBus } from "./in-memory-bus.js";

export class InMemoryPubSub implements BulkPublisher {
  private bus?: InMemoryBus;
  private group = "";
  private concurrency = 1;
  private readonly subscriptions = new Set<Subscription>();
  private closed = false;

  constructor(private readonly ctx: ComponentContext) {}

  async init(): Promise<void> {
    const redeliverMs = durationProp(this.ctx.properties, "redeliverInterval", 1000);
    this.group = consumerIdOf(this.ctx.properties, this.ctx.appId);
    this.concurrency = intProp(this.ctx.properties, "concurrency", 1);
    if (!Number.isInteger(this.concurrency) || this.concurrency < 1) {
      throw new Error(`component ${this.ctx.name}: metadata 'concurrency' must be a positive integer`);
    }
    this.bus = busFor(this.ctx.name, redeliverMs);
  }

  features(): PubSubFeature[] {
    return ["MESSAGE_TTL", "BULK_PUBLISH"];
  }

  async publish(req: PublishRequest): Promise<void> {
    const bus = this.ready();
    if (!req.topic) throw new Error("topic name is empty");
    const ttl = messageTtlSeconds(req.metadata);
    bus.publish(
      { topic: req.topic, data: req.data, metadata: req.metadata, contentType: req.contentType },
      ttl === undefined ? undefined : Date.now() + ttl * 1000,
    );
  }

  async bulkPublish(req: BulkPublishRequest): Promise<BulkPublishResponse> {
    const failedEntries: BulkPublishResponse["failedEntries"] = [];
    for (const e of req.entries) {
      try {
        await this.publish({ topic: req.topic, data: e.event, contentType: e.contentType, metadata: { ...req.metadata, ...e.metadata } });
      } catch (err) {
        failedEntries.push({ entryId: e.entryId, error: err instanceof Error ? err.message : String(err) });
      }
    }
    return { failedEntries };
  }

  async subscribe(req: SubscribeRequest, handler: MessageHandler): Promise<Subscription> {
    const bus = this.ready();
    if (!req.topic) throw new Error("topic name is empty");
    const member = bus.join(req.topic, this.group, handler, this.concurrency);
    const sub: Subscription = {
      close: async () => {
        this.subscriptions.delete(sub);
        await bus.leave(req.topic, this.group, member);
      },
    };
    this.subscriptions.add(sub);
    return sub;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.close()));
  }

  private ready(): InMemoryBus {
    if (this.closed) throw new Error("in-memory pubsub: component is closed");
    if (!this.bus) throw new Error("in-memory pubsub: init() was not called");
    return this.bus;
  }
}
