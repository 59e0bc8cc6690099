// `pubsub.rabbitmq` with Dapr's topology (components-contrib `pubsub/rabbitmq`):
// - one exchange per topic, named after the topic (`exchangeKind`, fanout by default)
// - one queue per consumer group: `<consumerID>-<topic>` (or the subscription's
//   `queueName`), bound to the exchange with the subscription's `routingKey` ("" by default)
// - manual acks after the handler resolves; a failure nacks with
//   `requeueInFailure` (Dapr's default false drops or dead-letters the message)
// - `ttlInSeconds` becomes the per-message `expiration` (feature MESSAGE_TTL);
//   `messageID`, `correlationID`, `type`, `contentType`, `priority` request metadata
//   become the AMQP properties of the same name
// - `enableDeadLetter`: rejected messages go to exchange `dlx-<queue>` / queue `dlq-<queue>`
// A lost connection is re-established every `reconnectWaitSeconds`, and every
// live subscription is declared and consumed again on the new connection.
import amqp, { type Channel, type ChannelModel, type ConfirmChannel, type ConsumeMessage } from "amqplib";
import { prop, type ComponentContext } from "../../component.js";
import type { Logger } from "../../../log/logger.js";
import { messageTtlSeconds } from "../metadata.js";
import type { MessageHandler, PubSub, PubSubFeature, PublishRequest, SubscribeRequest, Subscription } from "../pubsub.js";
import { settleWithin } from "../settle.js";
import { rabbitSettings, type RabbitSettings } from "./rabbitmq-options.js";

interface LiveSubscription {
  req: SubscribeRequest;
  handler: MessageHandler;
  queue: string;
  channel?: Channel;
  consumerTag?: string;
  inflight: Set<Promise<void>>;
  /** Serialises handlers when concurrencyMode is "single". */
  chain: Promise<void>;
  closing: boolean;
}

export class RabbitMqPubSub implements PubSub {
  private s!: RabbitSettings;
  private conn?: ChannelModel;
  private pubChannel?: ConfirmChannel;
  private readonly declaredExchanges = new Set<string>();
  private readonly subs = new Set<LiveSubscription>();
  private closed = false;
  private reconnecting?: Promise<void>;
  private reconnectTimer?: NodeJS.Timeout;
  private readonly log: Logger;

  constructor(private readonly ctx: ComponentContext) {
    this.log = ctx.logger.child("pubsub.rabbitmq", { component: ctx.name });
  }

  async init(): Promise<void> {
    this.s = rabbitSettings(this.ctx);
    try {
      await this.connect();
    } catch (err) {
      throw new Error(`rabbitmq pub/sub error: cannot connect: ${(err as Error).message}`);
    }
  }

  features(): PubSubFeature[] {
    return ["MESSAGE_TTL"];
  }

  private async connect(): Promise<void> {
    const conn = await amqp.connect(this.s.url, { clientProperties: { connection_name: `dapr-ts-${this.s.consumerId}` } });
    conn.on("error", (err: Error) => this.log.debug("rabbitmq connection error", { error: err.message }));
    conn.on("close", () => {
      if (this.conn !== conn || this.closed) return;
      this.log.warn("rabbitmq connection lost; reconnecting", { waitMs: this.s.reconnectWaitMs });
      this.conn = undefined;
      this.pubChannel = undefined;
      this.scheduleReconnect();
    });
    const ch = await conn.createConfirmChannel();
    ch.on("error", (err: Error) => this.log.debug("rabbitmq publish channel error", { error: err.message }));
    this.conn = conn;
    this.pubChannel = ch;
    this.declaredExchanges.clear();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.reconnecting = (async () => {
        try {
          await this.connect();
          for (const sub of this.subs) if (!sub.closing) await this.startConsumer(sub);
          this.log.info("rabbitmq reconnected");
        } catch (err) {
          this.log.debug("rabbitmq reconnect failed; retrying", { error: (err as Error).message });
          this.conn?.close().catch(() => {});
          this.conn = undefined;
          this.scheduleReconnect();
        }
      })();
    }, this.s.reconnectWaitMs);
  }

  private async ensureExchange(ch: Channel, topic: string): Promise<void> {
    if (this.declaredExchanges.has(topic)) return;
    await ch.assertExchange(topic, this.s.exchangeKind, { durable: this.s.durable, autoDelete: this.s.deletedWhenUnused });
    this.declaredExchanges.add(topic);
  }

  async publish(req: PublishRequest): Promise<void> {
    if (this.closed) throw new Error("rabbitmq pub/sub error: component is closed");
    if (!req.topic) throw new Error("rabbitmq pub/sub error: topic name is empty");
    const ch = this.pubChannel;
    if (!ch) throw new Error("rabbitmq pub/sub error: channel/connection is not open");
    const ttl = messageTtlSeconds(req.metadata) ?? this.s.defaultTtlSeconds;
    await this.ensureExchange(ch, req.topic);
    await new Promise<void>((resolve, reject) => {
      ch.publish(
        req.topic,
        req.metadata["routingKey"] ?? "",
        req.data,
        {
          contentType: prop(req.metadata, "contentType") || "text/plain",
          deliveryMode: this.s.deliveryMode || undefined,
          expiration: ttl === undefined ? undefined : String(ttl * 1000),
          priority: priorityOf(req.metadata),
          messageId: prop(req.metadata, "messageID") || undefined,
          correlationId: prop(req.metadata, "correlationID") || undefined,
          type: prop(req.metadata, "type") || undefined,
        },
        (err) => (err ? reject(new Error(`rabbitmq pub/sub error: publish to ${req.topic} not confirmed: ${String(err)}`)) : resolve()),
      );
    });
  }

  async subscribe(req: SubscribeRequest, handler: MessageHandler): Promise<Subscription> {
    if (this.closed) throw new Error("rabbitmq pub/sub error: component is closed");
    if (!req.topic) throw new Error("rabbitmq pub/sub error: topic name is empty");
    const queue = req.metadata["queueName"] || `${this.s.consumerId}-${req.topic}`;
    const sub: LiveSubscription = { req, handler, queue, inflight: new Set(), chain: Promise.resolve(), closing: false };
    await this.startConsumer(sub);
    this.subs.add(sub);
    return { close: () => this.stopConsumer(sub) };
  }

  private async startConsumer(sub: LiveSubscription): Promise<void> {
    const conn = this.conn;
    if (!conn) throw new Error("rabbitmq pub/sub error: channel/connection is not open");
    const ch = await conn.createChannel();
    ch.on("error", (err: Error) => this.log.debug("rabbitmq consumer channel error", { queue: sub.queue, error: err.message }));
    await this.ensureExchangeOn(ch, sub.req.topic);
    const args: Record<string, unknown> = {};
    if (this.s.enableDeadLetter) {
      // Dapr's names: exchange dlx-<queue> (fanout, durable) feeding queue dlq-<queue>.
      const dlx = `dlx-${sub.queue}`;
      const dlq = `dlq-${sub.queue}`;
      await ch.assertExchange(dlx, "fanout", { durable: true, autoDelete: this.s.deletedWhenUnused });
      await ch.assertQueue(dlq, { durable: true, autoDelete: this.s.deletedWhenUnused, arguments: { "x-queue-mode": "lazy" } });
      await ch.bindQueue(dlq, dlx, "");
      args["x-dead-letter-exchange"] = dlx;
    }
    if (this.s.maxLen > 0) args["x-max-length"] = this.s.maxLen;
    if (this.s.maxLenBytes > 0) args["x-max-length-bytes"] = this.s.maxLenBytes;
    await ch.assertQueue(sub.queue, { durable: this.s.durable, autoDelete: this.s.deletedWhenUnused, arguments: args });
    const keys = (sub.req.metadata["routingKey"] ?? "").split(",").map((k) => k.trim());
    for (const key of keys) await ch.bindQueue(sub.queue, sub.req.topic, key);
    if (this.s.prefetchCount > 0) await ch.prefetch(this.s.prefetchCount);
    const ok = await ch.consume(sub.queue, (msg) => this.onMessage(sub, ch, msg), { noAck: this.s.autoAck });
    sub.channel = ch;
    sub.consumerTag = ok.consumerTag;
  }

  private async ensureExchangeOn(ch: Channel, topic: string): Promise<void> {
    // Declaring is idempotent; a consumer channel may run on a fresh connection, so don't rely on the cache.
    await ch.assertExchange(topic, this.s.exchangeKind, { durable: this.s.durable, autoDelete: this.s.deletedWhenUnused });
  }

  private onMessage(sub: LiveSubscription, ch: Channel, msg: ConsumeMessage | null): void {
    if (!msg) return; // consumer cancelled by the broker (queue deleted); a reconnect re-creates it
    const run = async () => {
      if (sub.closing) {
        if (!this.s.autoAck) safe(() => ch.nack(msg, false, true));
        return;
      }
      try {
        await sub.handler({ topic: sub.req.topic, data: msg.content, metadata: {}, contentType: msg.properties.contentType });
        if (!this.s.autoAck) safe(() => ch.ack(msg));
      } catch (err) {
        this.log.debug("rabbitmq handler failed", { queue: sub.queue, requeue: this.s.requeueInFailure, error: (err as Error).message });
        if (!this.s.autoAck) safe(() => ch.nack(msg, false, this.s.requeueInFailure));
      }
    };
    const p = this.s.concurrencyMode === "single" ? (sub.chain = sub.chain.then(run)) : run();
    sub.inflight.add(p);
    void p.finally(() => sub.inflight.delete(p));
  }

  private async stopConsumer(sub: LiveSubscription): Promise<void> {
    if (sub.closing) return;
    sub.closing = true;
    this.subs.delete(sub);
    const ch = sub.channel;
    if (ch && sub.consumerTag) await ch.cancel(sub.consumerTag).catch(() => {});
    await settleWithin(sub.inflight);
    if (ch) await ch.close().catch(() => {});
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    await this.reconnecting?.catch(() => {});
    await Promise.all([...this.subs].map((s) => this.stopConsumer(s)));
    const conn = this.conn;
    this.conn = undefined;
    this.pubChannel = undefined;
    await conn?.close().catch(() => {});
  }
}

/** Acks and nacks on a channel that died in the meantime throw; the broker redelivers those anyway. */
function safe(fn: () => void): void {
  try {
    fn();
  } catch {
    // channel closed: the unacked message goes back to the queue on the broker
  }
}

/** `priority` request metadata (0-255), as Dapr's TryGetPriority; a bad value is ignored like Dapr does. */
function priorityOf(metadata: Record<string, string>): number | undefined {
  const raw = prop(metadata, "priority");
  if (!raw) return undefined;
  const n = Number(raw);
  return Number.isInteger(n) && n >= 0 ? Math.min(n, 255) : undefined;
}
