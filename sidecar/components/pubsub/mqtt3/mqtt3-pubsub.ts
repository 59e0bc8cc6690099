// `pubsub.mqtt3` (alias `pubsub.mqtt`), following components-contrib `pubsub/mqtt3`:
// - MQTT 3.1.1; the subscribing connection's client id is `consumerID`
//   (publishing uses a second connection, see init)
// - QoS `qos` (default 1), `retain` (default false), `cleanSession` (default
//   false, so the broker keeps QoS 1 messages for us while we are away)
// - topics are used as given: wildcards (`+`, `#`) and shared subscriptions
//   (`$share/<group>/<topic>`) work; without `$share`, two instances of one app
//   would share a client id, so competing consumers need `$share` as in Dapr
// - the PUBACK is sent only after the handler resolves. A failed handler is
//   retried in-process with a capped backoff while the PUBACK is withheld: MQTT
//   3.1.1 only redelivers unacknowledged messages on a new session, so this
//   is how a nack becomes a redelivery. Messages of one connection are handled
//   in order, one at a time (the broker's order; a failing message blocks the
//   ones behind it until it succeeds or the component closes).
import { randomUUID } from "node:crypto";
import mqtt, { type IPublishPacket, type MqttClient } from "mqtt";
import type { ComponentContext } from "../../component.js";
import { boolProp, intProp, prop } from "../../component.js";
import type { Logger } from "../../../log/logger.js";
import { consumerIdOf } from "../metadata.js";
import type { MessageHandler, PubSub, PubSubFeature, PublishRequest, SubscribeRequest, Subscription } from "../pubsub.js";
import { settleWithin } from "../settle.js";
import { filterOf, topicMatches } from "./topic-matcher.js";

const CONNECT_WAIT_MS = 10_000;
const PUBLISH_WAIT_MS = 20_000;
const NO_HANDLER_GRACE_MS = 3_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface TopicSubscription {
  topic: string;
  filter: string;
  handler: MessageHandler;
  closed: boolean;
}

export class Mqtt3PubSub implements PubSub {
  private client?: MqttClient;
  private publisher?: MqttClient;
  private qos: 0 | 1 | 2 = 1;
  private retain = false;
  private cleanSession = false;
  private readonly subs = new Map<string, TopicSubscription>();
  private closed = false;
  private current?: Promise<void>;
  private readonly log: Logger;

  constructor(private readonly ctx: ComponentContext) {
    this.log = ctx.logger.child("pubsub.mqtt3", { component: ctx.name });
  }

  async init(): Promise<void> {
    const p = this.ctx.properties;
    const url = prop(p, "url");
    if (!url) throw new Error(`component ${this.ctx.name} (${this.ctx.type}): missing url`);
    const qos = intProp(p, "qos", 1);
    if (qos !== 0 && qos !== 1 && qos !== 2) throw new Error(`component ${this.ctx.name}: invalid qos ${qos}: must be 0, 1 or 2`);
    this.qos = qos;
    this.retain = boolProp(p, "retain", false);
    this.cleanSession = boolProp(p, "cleanSession", false);
    const clientId = consumerIdOf(p, this.ctx.appId);

    const client = mqtt.connect(url, {
      clientId,
      clean: this.cleanSession,
      protocolVersion: 4,
      reconnectPeriod: 1000,
      connectTimeout: CONNECT_WAIT_MS,
      resubscribe: true,
    });
    // Called by mqtt.js for every incoming PUBLISH; the PUBACK waits for `done`.
    client.handleMessage = (packet, done) => {
      this.current = this.handle(packet).then(() => done(), () => {});
    };
    client.on("error", (err) => this.log.debug("mqtt connection error", { error: err.message }));
    // mqtt.js resubscribes by itself only for clean sessions; when the broker lost our
    // persistent session (restart without persistence), subscribe again, as Dapr's OnConnect does.
    let connectedBefore = false;
    client.on("connect", (connack) => {
      if (connectedBefore && !connack.sessionPresent) this.resubscribeAll(client);
      connectedBefore = true;
    });
    client.on("offline", () => this.log.debug("mqtt offline; reconnecting"));
    // Publishing uses its own connection: the subscriber connection stops reading while a
    // handler runs (that is how the PUBACK waits for it), which would also hold up the
    // PUBACKs for our publishes. Its id is unique so instances of one app don't evict each other.
    const publisher = mqtt.connect(url, {
      clientId: `${clientId}-pub-${randomUUID().slice(0, 8)}`,
      clean: true,
      protocolVersion: 4,
      reconnectPeriod: 1000,
      connectTimeout: CONNECT_WAIT_MS,
    });
    publisher.on("error", (err) => this.log.debug("mqtt publisher connection error", { error: err.message }));
    try {
      await Promise.all([firstConnect(client), firstConnect(publisher)]);
    } catch (err) {
      client.end(true);
      publisher.end(true);
      throw new Error(`mqtt pubsub: failed to establish connection to broker ${url}: ${(err as Error).message}`);
    }
    this.client = client;
    this.publisher = publisher;
  }

  private resubscribeAll(client: MqttClient): void {
    const topics = [...this.subs.values()].filter((s) => !s.closed).map((s) => s.topic);
    if (topics.length === 0) return;
    client.subscribeAsync(topics, { qos: this.qos }).catch((err: Error) => this.log.warn("mqtt resubscribe failed", { error: err.message }));
  }

  features(): PubSubFeature[] {
    return ["SUBSCRIBE_WILDCARDS"];
  }

  private handlerFor(topic: string): TopicSubscription | undefined {
    const exact = this.subs.get(topic);
    if (exact && !exact.closed) return exact;
    for (const s of this.subs.values()) if (!s.closed && topicMatches(s.filter, topic)) return s;
    return undefined;
  }

  /**
   * A resumed session delivers queued messages as soon as we connect, before
   * the runtime has re-registered its subscriptions: give them a moment.
   */
  private async awaitHandler(topic: string): Promise<TopicSubscription | undefined> {
    const deadline = Date.now() + NO_HANDLER_GRACE_MS;
    while (Date.now() < deadline) {
      if (this.closed) throw new Error("component closed");
      await sleep(50);
      const sub = this.handlerFor(topic);
      if (sub) return sub;
    }
    return undefined;
  }

  /** Resolves when the message may be acknowledged; rejects (never) only to withhold the ack on close. */
  private async handle(packet: IPublishPacket): Promise<void> {
    const topic = packet.topic;
    const data = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    let backoff = 100;
    for (;;) {
      // Closing: leave the message unacknowledged so the broker hands it out again on the next session.
      if (this.closed) throw new Error("component closed");
      const sub = this.handlerFor(topic) ?? (await this.awaitHandler(topic));
      if (!sub) {
        // Nobody listens (subscription closed without unsubscribing): acknowledge and drop.
        this.log.debug("mqtt message without handler dropped", { topic });
        return;
      }
      try {
        await sub.handler({ topic, data, metadata: { retained: String(packet.retain) } });
        return;
      } catch (err) {
        this.log.debug("mqtt handler failed; retrying", { topic, error: (err as Error).message, backoffMs: backoff });
      }
      if (this.closed || sub.closed) throw new Error("closed: leave the message unacknowledged for the next session");
      await sleep(backoff);
      backoff = Math.min(backoff * 2, 5000);
    }
  }

  async publish(req: PublishRequest): Promise<void> {
    const client = this.ready();
    if (!req.topic) throw new Error("mqtt pubsub: topic name is empty");
    let retain = this.retain;
    const r = req.metadata["retain"];
    if (r !== undefined && r !== "") {
      if (!["true", "false"].includes(r.toLowerCase())) throw new Error(`mqtt invalid retain '${r}'`);
      retain = r.toLowerCase() === "true";
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.publisher!.publishAsync(req.topic, req.data, { qos: this.qos, retain }),
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no PUBACK after ${PUBLISH_WAIT_MS} ms`)), PUBLISH_WAIT_MS))),
      ]);
    } catch (err) {
      throw new Error(`mqtt pubsub: failed to publish to ${req.topic}: ${(err as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
  }

  async subscribe(req: SubscribeRequest, handler: MessageHandler): Promise<Subscription> {
    const client = this.ready();
    if (!req.topic) throw new Error("mqtt pubsub: topic name is empty");
    const sub: TopicSubscription = { topic: req.topic, filter: filterOf(req.topic), handler, closed: false };
    this.subs.set(req.topic, sub);
    try {
      const granted = await client.subscribeAsync(req.topic, { qos: this.qos });
      if (granted.some((g) => g.qos === 128)) throw new Error("the broker refused the subscription");
    } catch (err) {
      this.subs.delete(req.topic);
      throw new Error(`mqtt error from subscribe to ${req.topic}: ${(err as Error).message}`);
    }
    const unsubscribeOnClose = boolProp(req.metadata, "unsubscribeOnClose", false);
    return {
      close: async () => {
        if (sub.closed) return;
        sub.closed = true;
        if (this.subs.get(req.topic) === sub) this.subs.delete(req.topic);
        // As in Dapr: keep the broker-side subscription (and our place in it) unless asked otherwise.
        if ((this.cleanSession || unsubscribeOnClose) && !this.closed) await client.unsubscribeAsync(req.topic).catch(() => {});
      },
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.subs.values()) s.closed = true;
    this.subs.clear();
    await settleWithin([this.current]);
    await Promise.all([this.client?.endAsync(true).catch(() => {}), this.publisher?.endAsync(true).catch(() => {})]);
  }

  private ready(): MqttClient {
    if (this.closed) throw new Error("mqtt pubsub: client closed");
    if (!this.client) throw new Error("mqtt pubsub: init() was not called");
    return this.client;
  }
}

function firstConnect(client: MqttClient): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no connection after ${CONNECT_WAIT_MS} ms`)), CONNECT_WAIT_MS);
    client.once("connect", () => {
      clearTimeout(timer);
      resolve();
    });
    client.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}
