// `pubsub.jetstream`: NATS JetStream, with the metadata of components-contrib
// `pubsub/jetstream` (`natsURL`, `name`, `token`, `streamName`, `durableName`,
// `ackWait`, `maxDeliver`, `maxAckPending`, `deliverPolicy`, `concurrencyMode`).
// - publish: to the subject named after the topic, with the CloudEvent id as
//   `Nats-Msg-Id` so JetStream drops duplicates within its window, as Dapr does
// - the stream must exist (found by subject unless `streamName` is given)
// - subscribe: a durable pull consumer with explicit acks, filtered on the
//   topic. Its name is `durableName` when set (as in Dapr); otherwise
//   `<consumerID>-<topic>` (sanitised), which gives every app its own consumer
//   group and lets instances of one app share it. Dapr instead makes an
//   ephemeral consumer when `durableName` is empty; we chose durable so that
//   at-least-once holds across restarts like the other components.
// - ack after the handler resolves; a failure naks (with `ackWait` as the
//   delay when set, as Dapr does) so JetStream redelivers up to `maxDeliver`.
import { connect, nanos, type NatsConnection } from "@nats-io/transport-node";
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type ConsumerMessages, type JetStreamClient, type JetStreamManager, type JsMsg } from "@nats-io/jetstream";
import type { ComponentContext } from "../../component.js";
import { intProp, prop } from "../../component.js";
import type { Logger } from "../../../log/logger.js";
import { consumerIdOf, durationProp } from "../metadata.js";
import type { MessageHandler, PubSub, PubSubFeature, PublishRequest, SubscribeRequest, Subscription } from "../pubsub.js";
import { settleWithin } from "../settle.js";
import { WorkPool } from "../work-pool.js";

interface JetStreamSettings {
  url: string;
  name: string;
  token?: string;
  streamName?: string;
  durableName?: string;
  consumerId: string;
  ackWaitMs: number;
  maxDeliver: number;
  maxAckPending: number;
  deliverPolicy: (typeof DeliverPolicy)[keyof typeof DeliverPolicy];
  concurrency: number;
}

const deliverPolicies: Record<string, JetStreamSettings["deliverPolicy"]> = {
  all: DeliverPolicy.All,
  last: DeliverPolicy.Last,
  new: DeliverPolicy.New,
};

function settings(ctx: ComponentContext): JetStreamSettings {
  const p = ctx.properties;
  const where = `component ${ctx.name} (${ctx.type})`;
  const url = prop(p, "natsURL");
  if (!url) throw new Error(`${where}: missing nats URL (metadata 'natsURL')`);
  const policy = (prop(p, "deliverPolicy") || "all").toLowerCase();
  const deliverPolicy = deliverPolicies[policy];
  if (!deliverPolicy) throw new Error(`${where}: deliverPolicy '${policy}' is not supported; use all, last or new`);
  const mode = prop(p, "concurrencyMode") || "parallel";
  if (mode !== "single" && mode !== "parallel") throw new Error(`${where}: invalid concurrencyMode '${mode}', expected 'single' or 'parallel'`);
  const maxAckPending = intProp(p, "maxAckPending", 0);
  return {
    url,
    name: prop(p, "name") || "dapr.io - pubsub.jetstream",
    token: prop(p, "token") || undefined,
    streamName: prop(p, "streamName") || undefined,
    durableName: prop(p, "durableName") || undefined,
    consumerId: consumerIdOf(p, ctx.appId),
    ackWaitMs: durationProp(p, "ackWait", 0),
    maxDeliver: intProp(p, "maxDeliver", 0),
    maxAckPending,
    deliverPolicy,
    concurrency: mode === "single" ? 1 : Math.max(1, maxAckPending || 100),
  };
}

/** Consumer names can't contain '.', '*', '>' or whitespace. */
function consumerName(s: string): string {
  return s.replace(/[.*>\s/\\]/g, "_");
}

export class JetStreamPubSub implements PubSub {
  private s!: JetStreamSettings;
  private nc?: NatsConnection;
  private js?: JetStreamClient;
  private jsm?: JetStreamManager;
  private readonly subs = new Set<JsSubscription>();
  private closed = false;
  private readonly log: Logger;

  constructor(private readonly ctx: ComponentContext) {
    this.log = ctx.logger.child("pubsub.jetstream", { component: ctx.name });
  }

  async init(): Promise<void> {
    this.s = settings(this.ctx);
    try {
      this.nc = await connect({ servers: this.s.url, name: this.s.name, token: this.s.token, maxReconnectAttempts: -1, reconnectTimeWait: 500 });
    } catch (err) {
      throw new Error(`jetstream: cannot connect to ${this.s.url}: ${(err as Error).message}`);
    }
    this.js = jetstream(this.nc);
    this.jsm = await jetstreamManager(this.nc);
  }

  features(): PubSubFeature[] {
    return [];
  }

  async publish(req: PublishRequest): Promise<void> {
    if (this.closed) throw new Error("jetstream: component is closed");
    if (!this.js) throw new Error("jetstream: init() was not called");
    if (!req.topic) throw new Error("jetstream: topic name is empty");
    const msgID = cloudEventId(req.data);
    try {
      await this.js.publish(req.topic, req.data, msgID ? { msgID } : undefined);
    } catch (err) {
      throw new Error(`jetstream: publish to ${req.topic} failed (is there a stream for this subject?): ${(err as Error).message}`);
    }
  }

  async subscribe(req: SubscribeRequest, handler: MessageHandler): Promise<Subscription> {
    if (this.closed) throw new Error("jetstream: component is closed");
    if (!this.js || !this.jsm) throw new Error("jetstream: init() was not called");
    if (!req.topic) throw new Error("jetstream: topic name is empty");
    let stream = this.s.streamName;
    if (!stream) {
      try {
        stream = await this.jsm.streams.find(req.topic);
      } catch (err) {
        throw new Error(`jetstream: no stream holds subject '${req.topic}'; create one or set streamName: ${(err as Error).message}`);
      }
    }
    const durable = this.s.durableName ?? consumerName(`${this.s.consumerId}-${req.topic}`);
    await this.jsm.consumers.add(stream, {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      filter_subject: req.topic,
      deliver_policy: this.s.deliverPolicy,
      ...(this.s.ackWaitMs > 0 ? { ack_wait: nanos(this.s.ackWaitMs) } : {}),
      ...(this.s.maxDeliver > 0 ? { max_deliver: this.s.maxDeliver } : {}),
      ...(this.s.maxAckPending > 0 ? { max_ack_pending: this.s.maxAckPending } : {}),
    });
    const consumer = await this.js.consumers.get(stream, durable);
    const messages = await consumer.consume({ max_messages: Math.min(this.s.concurrency, 256) });
    const sub = new JsSubscription(req.topic, messages, handler, this.s, this.log);
    this.subs.add(sub);
    sub.start();
    return {
      close: async () => {
        this.subs.delete(sub);
        await sub.close();
      },
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subs].map((s) => s.close()));
    this.subs.clear();
    await this.nc?.close().catch(() => {});
  }
}

class JsSubscription {
  private readonly pool: WorkPool;
  private loop?: Promise<void>;
  private closing = false;

  constructor(
    private readonly topic: string,
    private readonly messages: ConsumerMessages,
    private readonly handler: MessageHandler,
    private readonly s: JetStreamSettings,
    private readonly log: Logger,
  ) {
    this.pool = new WorkPool(s.concurrency);
  }

  start(): void {
    this.loop = (async () => {
      for await (const m of this.messages) {
        await this.pool.slot();
        if (this.closing) {
          this.pool.release();
          m.nak();
          continue;
        }
        this.pool.run(() => this.process(m));
      }
    })().catch((err) => {
      if (!this.closing) this.log.warn("jetstream: consume loop ended", { topic: this.topic, error: (err as Error).message });
    });
  }

  private async process(m: JsMsg): Promise<void> {
    try {
      await this.handler({ topic: this.topic, data: Buffer.from(m.data), metadata: { Topic: m.subject } });
    } catch (err) {
      this.log.debug("jetstream: handler failed; nak", { topic: this.topic, seq: m.seq, error: (err as Error).message });
      if (this.s.ackWaitMs > 0) m.nak(this.s.ackWaitMs);
      else m.nak();
      return;
    }
    m.ack();
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.pool.wakeAll();
    await this.messages.close().catch(() => {});
    await settleWithin([this.loop]);
    await this.pool.drain();
  }
}

/** The `id` of a CloudEvent payload, used for JetStream de-duplication; undefined for other payloads. */
function cloudEventId(data: Buffer): string | undefined {
  if (data.length === 0 || data[0] !== 0x7b /* '{' */) return undefined;
  try {
    const id = (JSON.parse(data.toString("utf8")) as { id?: unknown }).id;
    return typeof id === "string" && id !== "" ? id : undefined;
  } catch {
    return undefined;
  }
}
