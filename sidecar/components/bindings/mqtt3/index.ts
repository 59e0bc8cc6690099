// bindings.mqtt3: input and output on an MQTT 3.1.1 broker, as in Dapr.
//   component metadata: url*, topic*, consumerID*, retain (default false),
//     cleanSession (default false), caCert/clientCert/clientKey (PEM),
//     backOffMaxRetries (default 0; -1 retries forever, 5 s apart).
//     `qos` is deprecated in Dapr and ignored: QoS is always 1.
//   output `create`: publishes the data to `topic` (request metadata `topic`
//     overrides it for that message)
//   input: subscribes to `topic`; events carry the actual topic in metadata
// Producer and consumer use their own connections (client ids
// `<consumerID>-producer` / `<consumerID>-consumer`, since a broker allows
// one connection per client id); the producer connects on first use.
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import { boolProp, intProp, prop, requiredProp, type ComponentContext } from "../../component.js";
import { assertOperation, type BindingHandler, type InputBinding, type InvokeRequest, type InvokeResponse, type OutputBinding } from "../binding.js";

const QOS = 1;
const RETRY_INTERVAL_MS = 5000;
// Dapr accepts the paho scheme names too.
const SCHEMES: Record<string, string> = { "mqtt:": "mqtt:", "tcp:": "mqtt:", "ssl:": "mqtts:", "mqtts:": "mqtts:", "tcps:": "mqtts:", "tls:": "mqtts:" };
const PEM = /-----BEGIN [A-Z0-9 ]+-----[\s\S]+-----END [A-Z0-9 ]+-----/;

export class Mqtt3Binding implements InputBinding, OutputBinding {
  private url = "";
  private topic = "";
  private consumerId = "";
  private retain = false;
  private cleanSession = false;
  private maxRetries = 0;
  private tls: Pick<IClientOptions, "ca" | "cert" | "key"> = {};
  private producer?: Promise<MqttClient>;
  private consumer?: MqttClient;
  private closed = false;

  constructor(private readonly ctx: ComponentContext) {}

  async init(): Promise<void> {
    const p = this.ctx.properties;
    const raw = requiredProp(this.ctx, "url");
    let u: URL;
    try { u = new URL(raw); } catch { throw new Error(`component ${this.ctx.name}: url '${raw}' is not a valid URL`); }
    const scheme = SCHEMES[u.protocol];
    if (!scheme) throw new Error(`component ${this.ctx.name}: unsupported url scheme '${u.protocol}'; use mqtt:// or mqtts://`);
    u.protocol = scheme;
    this.url = u.toString();
    this.topic = requiredProp(this.ctx, "topic");
    this.consumerId = requiredProp(this.ctx, "consumerID");
    this.retain = boolProp(p, "retain", false);
    this.cleanSession = boolProp(p, "cleanSession", false);
    this.maxRetries = intProp(p, "backOffMaxRetries", 0);
    if (prop(p, "qos")) this.ctx.logger.warn("metadata property 'qos' has been deprecated and is ignored; qos is set to 1", { binding: this.ctx.name });
    for (const [field, opt] of [["caCert", "ca"], ["clientCert", "cert"], ["clientKey", "key"]] as const) {
      const v = prop(p, field);
      if (!v) continue;
      if (!PEM.test(v)) throw new Error(`component ${this.ctx.name}: ${field} is not a valid PEM value`);
      this.tls[opt] = v;
    }
  }

  private async connect(clientId: string): Promise<MqttClient> {
    const opts: IClientOptions = { clientId, clean: this.cleanSession, protocolVersion: 4, reconnectPeriod: 1000, connectTimeout: 10_000, ...this.tls };
    try {
      const client = await mqtt.connectAsync(this.url, opts, false);
      client.on("error", (err: Error) => this.ctx.logger.warn("mqtt client error", { binding: this.ctx.name, clientId, error: err.message }));
      return client;
    } catch (err) {
      throw new Error(`binding ${this.ctx.name}: failed to connect to ${this.url}: ${(err as Error).message}`);
    }
  }

  operations(): string[] {
    return ["create"];
  }

  async invoke(req: InvokeRequest): Promise<InvokeResponse> {
    assertOperation(this, req.operation, this.ctx.name);
    if (this.closed) throw new Error("mqtt client closed");
    if (!this.producer) {
      this.producer = this.connect(`${this.consumerId}-producer`);
      // A failed connection is retried on the next call.
      this.producer.catch(() => { this.producer = undefined; });
    }
    const producer = await this.producer;
    const topic = req.metadata["topic"] || this.topic;
    await producer.publishAsync(topic, req.data, { qos: QOS, retain: this.retain });
    return {};
  }

  /** Runs the handler, retrying per backOffMaxRetries; false when it never succeeded. */
  private async deliver(handler: BindingHandler, topic: string, payload: Buffer): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      try {
        await handler({ data: payload, metadata: { topic } });
        return true;
      } catch (err) {
        const more = this.maxRetries < 0 || attempt < this.maxRetries;
        this.ctx.logger.warn("mqtt binding handler failed", { binding: this.ctx.name, topic, attempt, willRetry: more && !this.closed, error: err instanceof Error ? err.message : String(err) });
        if (!more || this.closed) return false;
        await new Promise((r) => setTimeout(r, RETRY_INTERVAL_MS));
      }
    }
  }

  async read(handler: BindingHandler): Promise<void> {
    if (this.closed) throw new Error("binding is closed");
    if (this.consumer) throw new Error("the subscription is already active");
    const consumer = await this.connect(`${this.consumerId}-consumer`);
    this.consumer = consumer;
    consumer.on("message", (topic, payload) => {
      void this.deliver(handler, topic, Buffer.from(payload));
    });
    const granted = await consumer.subscribeAsync(this.topic, { qos: QOS });
    if (granted.some((g) => g.qos === 128)) throw new Error(`broker refused the subscription to ${this.topic}`);
  }

  async close(): Promise<void> {
    this.closed = true;
    const producer = this.producer;
    const consumer = this.consumer;
    this.producer = undefined;
    this.consumer = undefined;
    const clients: Promise<MqttClient | undefined>[] = [Promise.resolve(consumer), producer ? producer.catch(() => undefined) : Promise.resolve(undefined)];
    await Promise.allSettled(clients.map(async (c) => (await c)?.endAsync()));
  }
}
