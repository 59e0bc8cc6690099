// bindings.rabbitmq: input and output on one queue, through the default
// exchange (the routing key is the queue name), as in Dapr.
//   component metadata: see metadata.ts (host*, queueName*, durable,
//     deleteWhenUnused, exclusive, prefetchCount, ttlInSeconds (queue default
//     message TTL), maxPriority, contentType, reconnectWaitInSeconds)
//   output `create`: publishes the data (always persistent, as Dapr does);
//     request metadata `ttlInSeconds`, `priority`, `contentType` apply to it
//   input: consumes with manual ack; a handler failure nacks with requeue
// A lost connection is re-established every reconnectWaitInSeconds, and the
// consumer resumes; publishing fails clearly while it is down.
import amqp from "amqplib";
import type { ComponentContext } from "../../component.js";
import { assertOperation, type BindingHandler, type InputBinding, type InvokeRequest, type InvokeResponse, type OutputBinding } from "../binding.js";
import { parseRabbitMQMetadata, type RabbitMQMetadata } from "./metadata.js";

export class RabbitMQBinding implements InputBinding, OutputBinding {
  private md?: RabbitMQMetadata;
  private conn?: amqp.ChannelModel;
  private channel?: amqp.Channel;
  private handler?: BindingHandler;
  private closing = false;
  private reconnectTimer?: NodeJS.Timeout;

  constructor(private readonly ctx: ComponentContext) {}

  async init(): Promise<void> {
    this.md = parseRabbitMQMetadata(this.ctx);
    await this.open();
  }

  private log(msg: string, err: unknown): void {
    this.ctx.logger.warn(msg, { binding: this.ctx.name, error: err instanceof Error ? err.message : String(err) });
  }

  /** Connects, declares the queue and (when reading) starts consuming. */
  private async open(): Promise<void> {
    const md = this.md!;
    let conn: amqp.ChannelModel;
    try {
      conn = await amqp.connect(md.url, { clientProperties: { connection_name: `dapr-ts-${this.ctx.appId}-${this.ctx.name}` } });
    } catch (err) {
      throw new Error(`component ${this.ctx.name}: cannot connect to RabbitMQ: ${(err as Error).message}`);
    }
    conn.on("error", (err: Error) => this.log("rabbitmq connection error", err));
    try {
      const ch = await conn.createChannel();
      ch.on("error", (err: Error) => this.log("rabbitmq channel error", err));
      await ch.assertQueue(md.queue, md.queueOptions);
      if (this.handler) await this.consume(conn, this.handler);
      this.channel = ch;
    } catch (err) {
      await conn.close().catch(() => {});
      throw new Error(`component ${this.ctx.name}: cannot declare queue ${md.queue}: ${(err as Error).message}`);
    }
    this.conn = conn;
    conn.on("close", () => {
      if (this.closing || this.conn !== conn) return;
      this.conn = undefined;
      this.channel = undefined;
      this.ctx.logger.warn("rabbitmq connection lost; reconnecting", { binding: this.ctx.name });
      this.scheduleReconnect();
    });
  }

  private scheduleReconnect(): void {
    if (this.closing) return;
    this.reconnectTimer = setTimeout(() => {
      this.open().then(
        () => this.ctx.logger.info("rabbitmq connection re-established", { binding: this.ctx.name }),
        (err: unknown) => {
          this.log("rabbitmq reconnect failed", err);
          this.scheduleReconnect();
        },
      );
    }, this.md!.reconnectWaitMs);
  }

  operations(): string[] {
    return ["create"];
  }

  async invoke(req: InvokeRequest): Promise<InvokeResponse> {
    assertOperation(this, req.operation, this.ctx.name);
    const ch = this.channel;
    if (!ch || !this.md) throw new Error(`binding ${this.ctx.name} is not connected to RabbitMQ`);
    const md = req.metadata ?? {};
    const options: amqp.Options.Publish = { contentType: md["contentType"] || this.md.contentType, persistent: true };
    if (md["ttlInSeconds"]) {
      const ttl = Number(md["ttlInSeconds"]);
      if (!Number.isInteger(ttl) || ttl < 0) throw new Error(`ttlInSeconds must be a non-negative integer, got '${md["ttlInSeconds"]}'`);
      options.expiration = String(ttl * 1000);
    }
    if (md["priority"]) {
      const priority = Number(md["priority"]);
      if (!Number.isInteger(priority) || priority < 0 || priority > 255) throw new Error(`priority must be an integer from 0 to 255, got '${md["priority"]}'`);
      options.priority = priority;
    }
    ch.sendToQueue(this.md.queue, req.data, options);
    return {};
  }

  private async consume(conn: amqp.ChannelModel, handler: BindingHandler): Promise<void> {
    const md = this.md!;
    const ch = await conn.createChannel();
    ch.on("error", (err: Error) => this.log("rabbitmq consumer channel error", err));
    if (md.prefetch > 0) await ch.prefetch(md.prefetch);
    await ch.consume(md.queue, (msg) => {
      if (!msg) return;
      const metadata: Record<string, string> = {};
      if (msg.properties.contentType) metadata["contentType"] = String(msg.properties.contentType);
      handler({ data: msg.content, metadata }).then(
        () => ch.ack(msg),
        (err: unknown) => {
          this.ctx.logger.debug("rabbitmq binding handler failed; message requeued", { binding: this.ctx.name, error: err instanceof Error ? err.message : String(err) });
          ch.nack(msg, false, true);
        },
      ).catch(() => {
        // The channel closed while the handler ran; the broker redelivers the unacked message.
      });
    }, { noAck: false });
  }

  async read(handler: BindingHandler): Promise<void> {
    if (this.handler) throw new Error(`binding ${this.ctx.name} is already reading`);
    const conn = this.conn;
    if (!conn) throw new Error(`binding ${this.ctx.name} is not connected to RabbitMQ`);
    this.handler = handler;
    await this.consume(conn, handler);
  }

  async close(): Promise<void> {
    this.closing = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const conn = this.conn;
    this.conn = undefined;
    this.channel = undefined;
    // A connection whose socket already died may never answer the close handshake.
    if (conn) await Promise.race([conn.close().catch(() => {}), new Promise((r) => setTimeout(r, 2000).unref())]);
  }
}
