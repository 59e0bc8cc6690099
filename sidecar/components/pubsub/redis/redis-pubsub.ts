// `pubsub.redis`: Redis Streams with the layout of components-contrib
// `pubsub/redis`, so Dapr and dapr-ts apps can share a stream:
// - publish: XADD <topic> [MAXLEN ~ n | MINID ~ id] * data <bytes> metadata <json>
// - one consumer group per `consumerID`, created at "0" with MKSTREAM; the
//   consumer name is the consumerID too (as in Dapr)
// - XREADGROUP ">" for new messages; XACK only after the handler resolves
// - every `redeliverInterval`, XPENDING + XCLAIM the entries idle for at least
//   `processingTimeout` and hand them out again (nacked or crashed mid-way)
// A dropped connection is retried forever by ioredis; the read loop backs off
// and resumes, and a group lost with a non-persistent Redis is recreated.
import { Redis } from "ioredis";
import type { ComponentContext } from "../../component.js";
import type { Logger } from "../../../log/logger.js";
import type { Message, MessageHandler, PubSub, PubSubFeature, PublishRequest, SubscribeRequest, Subscription } from "../pubsub.js";
import { settleWithin } from "../settle.js";
import { WorkPool } from "../work-pool.js";
import { AckBatcher } from "./ack-batcher.js";
import { redisStreamsSettings, type RedisStreamsSettings } from "./redis-options.js";

type StreamEntry = [id: Buffer, fields: Buffer[]];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class RedisStreamsPubSub implements PubSub {
  private settings!: RedisStreamsSettings;
  private client?: Redis;
  private readonly subscriptions = new Set<StreamSubscription>();
  private closed = false;
  private readonly log: Logger;

  constructor(private readonly ctx: ComponentContext) {
    this.log = ctx.logger.child("pubsub.redis", { component: ctx.name });
  }

  async init(): Promise<void> {
    this.settings = redisStreamsSettings(this.ctx);
    this.client = new Redis({ ...this.settings.connection, maxRetriesPerRequest: 3 });
    this.client.on("error", (err) => this.log.debug("redis connection error", { error: err.message }));
    try {
      await this.client.connect();
      await this.client.ping();
    } catch (err) {
      this.client.disconnect();
      throw new Error(`redis streams: error connecting to redis at ${this.settings.connection.host}:${this.settings.connection.port}: ${(err as Error).message}`);
    }
  }

  features(): PubSubFeature[] {
    // Like Dapr's: no native TTL, so the runtime writes `expiration` into the envelope.
    return [];
  }

  async publish(req: PublishRequest): Promise<void> {
    const client = this.ready();
    if (!req.topic) throw new Error("redis streams: topic name is empty");
    const trim: (string | number)[] = [];
    if (this.settings.maxLenApprox > 0) trim.push("MAXLEN", "~", this.settings.maxLenApprox);
    else if (this.settings.streamTtlMs > 0) trim.push("MINID", "~", `${Date.now() - this.settings.streamTtlMs}-1`);
    try {
      await client.xadd(req.topic, ...trim, "*", "data", req.data, "metadata", JSON.stringify(req.metadata ?? {}));
    } catch (err) {
      throw new Error(`redis streams: error from publish: ${(err as Error).message}`);
    }
  }

  async subscribe(req: SubscribeRequest, handler: MessageHandler): Promise<Subscription> {
    const client = this.ready();
    if (!req.topic) throw new Error("redis streams: topic name is empty");
    await ensureGroup(client, req.topic, this.settings.consumerId);
    const sub = new StreamSubscription(client, this.settings, req.topic, handler, this.log);
    this.subscriptions.add(sub);
    sub.start();
    return {
      close: async () => {
        this.subscriptions.delete(sub);
        await sub.close();
      },
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    this.subscriptions.clear();
    this.client?.disconnect();
  }

  private ready(): Redis {
    if (this.closed) throw new Error("redis streams: component is closed");
    if (!this.client) throw new Error("redis streams: init() was not called");
    return this.client;
  }
}

async function ensureGroup(client: Redis, stream: string, group: string): Promise<void> {
  try {
    await client.xgroup("CREATE", stream, group, "0", "MKSTREAM");
  } catch (err) {
    if (!String((err as Error).message).startsWith("BUSYGROUP")) throw err;
  }
}

class StreamSubscription {
  private closing = false;
  /** Its own connection, because XREADGROUP BLOCK holds the connection it runs on. */
  private readonly reader: Redis;
  private readonly pool: WorkPool;
  private readonly acks: AckBatcher;
  /** Ids being handled right now, so a reclaim never hands the same entry out twice at once. */
  private readonly inflight = new Set<string>();
  private readLoop?: Promise<void>;
  private reclaimTimer?: NodeJS.Timeout;
  private reclaiming?: Promise<void>;

  constructor(
    private readonly client: Redis,
    private readonly s: RedisStreamsSettings,
    private readonly stream: string,
    private readonly handler: MessageHandler,
    private readonly log: Logger,
  ) {
    this.reader = new Redis({ ...s.connection, lazyConnect: false, maxRetriesPerRequest: null });
    this.reader.on("error", (err) => log.debug("redis reader connection error", { error: err.message }));
    this.pool = new WorkPool(s.concurrency);
    this.acks = new AckBatcher(client, stream, s.consumerId);
  }

  start(): void {
    this.readLoop = this.pollNew();
    if (this.s.processingTimeoutMs > 0 && this.s.redeliverIntervalMs > 0) {
      const tick = () => {
        if (this.closing) return;
        this.reclaiming = this.reclaimPending().finally(() => {
          if (!this.closing) this.reclaimTimer = setTimeout(tick, this.s.redeliverIntervalMs);
        });
      };
      tick();
    }
  }

  private async pollNew(): Promise<void> {
    let backoff = 50;
    while (!this.closing) {
      try {
        const res = (await this.reader.callBuffer(
          "XREADGROUP", "GROUP", this.s.consumerId, this.s.consumerId,
          "COUNT", this.s.queueDepth, "BLOCK", 1000,
          "STREAMS", this.stream, ">",
        )) as [Buffer, StreamEntry[]][] | null;
        backoff = 50;
        for (const [, entries] of res ?? []) await this.dispatch(entries);
      } catch (err) {
        if (this.closing) return;
        const msg = (err as Error).message;
        if (msg.includes("NOGROUP")) {
          // The group is gone (Redis restarted without persistence, or it was deleted): recreate it.
          this.log.warn("redis streams: consumer group missing, recreating", { stream: this.stream, group: this.s.consumerId });
          await ensureGroup(this.client, this.stream, this.s.consumerId).catch(() => {});
        } else {
          this.log.debug("redis streams: read failed, retrying", { stream: this.stream, error: msg });
        }
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 2000);
      }
    }
  }

  private async dispatch(entries: StreamEntry[]): Promise<void> {
    for (const entry of entries) {
      // XCLAIM answers null for entries deleted from the stream (e.g. by MAXLEN).
      if (!entry || !entry[1]) continue;
      const id = entry[0].toString();
      if (this.inflight.has(id)) continue;
      await this.pool.slot();
      if (this.closing) {
        this.pool.release();
        return;
      }
      this.inflight.add(id);
      this.pool.run(() => this.process(id, entry[1]));
    }
  }

  private async process(id: string, fields: Buffer[]): Promise<void> {
    try {
      await this.handler(toMessage(this.stream, fields, this.log));
    } catch (err) {
      // Nack: the entry stays pending and comes back through reclaimPending.
      this.log.debug("redis streams: handler failed, message stays pending", { stream: this.stream, id, error: (err as Error).message });
      return;
    } finally {
      this.inflight.delete(id);
    }
    try {
      await this.acks.ack(id);
    } catch (err) {
      this.log.warn("redis streams: XACK failed; the message will be redelivered", { stream: this.stream, id, error: (err as Error).message });
    }
  }

  private async reclaimPending(): Promise<void> {
    try {
      const pending = (await this.client.xpending(this.stream, this.s.consumerId, "-", "+", this.s.queueDepth)) as [string, string, number, number][];
      const ids = pending.filter(([id, , idle]) => idle >= this.s.processingTimeoutMs && !this.inflight.has(id)).map(([id]) => id);
      if (ids.length === 0 || this.closing) return;
      const claimed = (await this.client.callBuffer("XCLAIM", this.stream, this.s.consumerId, this.s.consumerId, this.s.processingTimeoutMs, ...ids)) as StreamEntry[];
      const present = new Set(claimed.filter((e) => e && e[1]).map((e) => e[0].toString()));
      // Entries trimmed away can never be delivered: ack them so they leave the pending list.
      const gone = ids.filter((id) => !present.has(id));
      if (gone.length > 0) await this.client.xack(this.stream, this.s.consumerId, ...gone);
      await this.dispatch(claimed);
    } catch (err) {
      if (!this.closing) this.log.debug("redis streams: reclaim failed", { stream: this.stream, error: (err as Error).message });
    }
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    clearTimeout(this.reclaimTimer);
    this.pool.wakeAll();
    // Disconnecting aborts the blocking read at once instead of waiting for BLOCK to end.
    this.reader.disconnect();
    await settleWithin([this.readLoop, this.reclaiming]);
    await this.pool.drain();
  }
}

function toMessage(topic: string, fields: Buffer[], log: Logger): Message {
  let data: Buffer = Buffer.alloc(0);
  let metadata: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const name = fields[i]!.toString();
    if (name === "data") data = fields[i + 1]!;
    else if (name === "metadata") {
      try {
        metadata = JSON.parse(fields[i + 1]!.toString());
      } catch {
        log.warn("redis streams: could not parse message metadata", { stream: topic });
      }
    }
  }
  return { topic, data, metadata };
}
