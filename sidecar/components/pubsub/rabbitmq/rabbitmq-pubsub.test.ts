import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import amqp, { type ChannelModel } from "amqplib";
import { services, uniqueName } from "../../../../test/support/services.js";
import { componentContext } from "../../../../test/support/component-context.js";
import { sleep, waitFor } from "../../../../test/support/wait.js";
import { RabbitMqPubSub } from "./rabbitmq-pubsub.js";

const run = promisify(execFile);

/** Has the broker drop the connection whose client-provided name is `name` (only ours). */
async function brokerDropsConnection(name: string): Promise<void> {
  // Plain output: one line per connection, "<pid>\t<client properties>"; close_connection wants that pid form.
  const { stdout } = await run("rabbitmqctl", ["-q", "list_connections", "pid", "client_properties"], { timeout: 20_000 });
  const ours = stdout
    .split("\n")
    .filter((line) => line.includes(name))
    .map((line) => ({ pid: line.split("\t")[0]! }));
  if (ours.length === 0) throw new Error(`no broker connection named ${name}`);
  for (const c of ours) await run("rabbitmqctl", ["close_connection", c.pid, "test: simulated broker-side drop"], { timeout: 20_000 });
}
const ctx = (properties: Record<string, string>, appId = "app-r") => componentContext({ name: "rabbit", type: "pubsub.rabbitmq", properties, appId });

describe("pubsub.rabbitmq topology", () => {
  let raw: ChannelModel;
  const opened: RabbitMqPubSub[] = [];
  beforeAll(async () => {
    raw = await amqp.connect(services.rabbitmq.url);
  });
  afterAll(async () => {
    await Promise.allSettled(opened.map((c) => c.close()));
    await raw.close();
  });

  it("declares an exchange named after the topic and a queue named <consumerID>-<topic>", async () => {
    const topic = uniqueName("topo");
    const c = new RabbitMqPubSub(ctx({ connectionString: services.rabbitmq.url }, "billing"));
    opened.push(c);
    await c.init();
    const sub = await c.subscribe({ topic, metadata: {} }, async () => {});
    const ch = await raw.createChannel();
    ch.on("error", () => {});
    await expect(ch.checkExchange(topic)).resolves.toBeDefined();
    const q = await ch.checkQueue(`billing-${topic}`);
    expect(q.consumerCount).toBe(1);
    await sub.close();
    await ch.close();
  });

  it("drops a failed message when requeueInFailure is false (Dapr's default)", async () => {
    const topic = uniqueName("drop");
    const c = new RabbitMqPubSub(ctx({ connectionString: services.rabbitmq.url }));
    opened.push(c);
    await c.init();
    let calls = 0;
    await c.subscribe({ topic, metadata: {} }, async () => {
      calls++;
      throw new Error("fail");
    });
    await sleep(100);
    await c.publish({ topic, data: Buffer.from("x"), metadata: {} });
    await sleep(600);
    expect(calls).toBe(1);
  });

  it("dead-letters a failed message to dlq-<queue> when enableDeadLetter is set", async () => {
    const topic = uniqueName("dl");
    const group = uniqueName("dlg");
    const c = new RabbitMqPubSub(ctx({ connectionString: services.rabbitmq.url, consumerID: group, enableDeadLetter: "true", deletedWhenUnused: "false" }));
    opened.push(c);
    await c.init();
    const sub = await c.subscribe({ topic, metadata: {} }, async () => {
      throw new Error("reject");
    });
    await c.publish({ topic, data: Buffer.from("dead"), metadata: { messageID: "m-1" } });
    const ch = await raw.createChannel();
    let got: false | { content: Buffer; properties: { messageId?: string } } = false;
    for (let i = 0; i < 50 && !got; i++) {
      got = await ch.get(`dlq-${group}-${topic}`, { noAck: true });
      if (!got) await sleep(50);
    }
    expect(got && got.content.toString()).toBe("dead");
    expect(got && got.properties.messageId).toBe("m-1");
    await sub.close();
    for (const q of [`dlq-${group}-${topic}`, `${group}-${topic}`]) await ch.deleteQueue(q);
    await ch.deleteExchange(`dlx-${group}-${topic}`);
    await ch.close();
  });

  it("honours a subscription's queueName", async () => {
    const topic = uniqueName("named");
    const queue = uniqueName("q");
    const c = new RabbitMqPubSub(ctx({ connectionString: services.rabbitmq.url }));
    opened.push(c);
    await c.init();
    const sub = await c.subscribe({ topic, metadata: { queueName: queue } }, async () => {});
    const ch = await raw.createChannel();
    expect((await ch.checkQueue(queue)).queue).toBe(queue);
    await sub.close();
    await ch.close();
  });
});

describe("pubsub.rabbitmq reconnect", () => {
  it("reconnects after the broker drops the connection and keeps consuming", async () => {
    const group = uniqueName("recon");
    const topic = uniqueName("recon");
    const c = new RabbitMqPubSub(ctx({ connectionString: services.rabbitmq.url, consumerID: group, reconnectWaitSeconds: "1" }));
    try {
      await c.init();
      const got: string[] = [];
      await c.subscribe({ topic, metadata: {} }, async (m) => void got.push(m.data.toString()));
      await c.publish({ topic, data: Buffer.from("before"), metadata: {} });
      await waitFor(() => got.includes("before"), 5000, "first message");
      await brokerDropsConnection(`dapr-ts-${group}`);
      let published = false;
      for (let i = 0; i < 50 && !published; i++) {
        published = await c.publish({ topic, data: Buffer.from("after"), metadata: {} }).then(() => true, () => false);
        if (!published) await sleep(200);
      }
      expect(published).toBe(true);
      await waitFor(() => got.includes("after"), 10_000, "a message after the reconnect");
    } finally {
      await c.close();
    }
  }, 60_000);
});

describe("pubsub.rabbitmq metadata errors", () => {
  it("names the bad field", async () => {
    await expect(new RabbitMqPubSub(ctx({ connectionString: services.rabbitmq.url, deliveryMode: "7" })).init()).rejects.toThrow(/delivery mode/);
    await expect(new RabbitMqPubSub(ctx({ connectionString: services.rabbitmq.url, exchangeKind: "weird" })).init()).rejects.toThrow(/exchange kind/);
    await expect(new RabbitMqPubSub(ctx({ connectionString: services.rabbitmq.url, concurrencyMode: "many" })).init()).rejects.toThrow(/concurrencyMode/);
  });

  it("fails init clearly when the broker is unreachable", async () => {
    await expect(new RabbitMqPubSub(ctx({ connectionString: "amqp://guest:guest@127.0.0.1:1" })).init()).rejects.toThrow(/cannot connect/);
  });
});
