import amqp from "amqplib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Properties } from "../../component.js";
import { services, uniqueName } from "../../../../test/support/services.js";
import { componentContext } from "../../../../test/support/component-context.js";
import { sleep, waitFor } from "../../../../test/support/wait.js";
import type { BindingEvent } from "../binding.js";
import { RabbitMQBinding } from "./index.js";

function ctx(properties: Properties) {
  return componentContext({ name: "mq", type: "bindings.rabbitmq", properties: { host: services.rabbitmq.url, ...properties }, appId: "app" });
}
const opened: RabbitMQBinding[] = [];
async function binding(properties: Properties) {
  const b = new RabbitMQBinding(ctx(properties));
  opened.push(b);
  await b.init();
  return b;
}
let admin: amqp.ChannelModel;
const queues: string[] = [];
beforeAll(async () => { admin = await amqp.connect(services.rabbitmq.url); });
afterAll(async () => {
  await Promise.allSettled(opened.map((b) => b.close()));
  const ch = await admin.createChannel();
  for (const q of queues) await ch.deleteQueue(q).catch(() => {});
  await admin.close();
});
const newQueue = () => { const q = uniqueName("bind-q"); queues.push(q); return q; };

describe("bindings.rabbitmq", () => {
  it("requeues a message whose handler failed, then delivers it again", async () => {
    const queueName = newQueue();
    const b = await binding({ queueName });
    const seen: string[] = [];
    await b.read(async (ev) => {
      seen.push(ev.data.toString());
      if (seen.length === 1) throw new Error("app not ready");
    });
    await b.invoke({ operation: "create", data: Buffer.from("retry-me"), metadata: {} });
    await waitFor(() => seen.length >= 2, 5000, "the redelivery");
    expect(seen.slice(0, 2)).toEqual(["retry-me", "retry-me"]);
  });

  it("drops a message whose per-message ttlInSeconds ran out before anyone read it", async () => {
    const queueName = newQueue();
    const b = await binding({ queueName, durable: "true" });
    await b.invoke({ operation: "create", data: Buffer.from("short-lived"), metadata: { ttlInSeconds: "1" } });
    await b.invoke({ operation: "create", data: Buffer.from("kept"), metadata: { contentType: "application/json" } });
    await sleep(1300);
    const events: BindingEvent[] = [];
    await b.read(async (ev) => { events.push(ev); });
    await waitFor(() => events.length >= 1, 5000, "the kept message");
    await sleep(100);
    expect(events.map((e) => e.data.toString())).toEqual(["kept"]);
    expect(events[0].metadata.contentType).toBe("application/json");
  });

  it("declares the queue with the component's options (a conflicting redeclare is refused)", async () => {
    const queueName = newQueue();
    await binding({ queueName, durable: "true", ttlInSeconds: "60" });
    const info = await (await admin.createChannel()).checkQueue(queueName);
    expect(info.queue).toBe(queueName);
    // RabbitMQ refuses to redeclare a queue with different arguments: proof the TTL argument was set.
    await expect(binding({ queueName, durable: "true" })).rejects.toThrow();
  });

  it("reconnects after the connection drops and keeps consuming", async () => {
    const queueName = newQueue();
    const b = await binding({ queueName, reconnectWaitInSeconds: "1" });
    const seen: string[] = [];
    await b.read(async (ev) => { seen.push(ev.data.toString()); });
    // Cut the TCP connection under the client, as a network failure would (reaches into amqplib's socket).
    const internals = b as unknown as { conn?: { connection: { stream: { destroy(err: Error): void } } } };
    internals.conn!.connection.stream.destroy(new Error("ECONNRESET (simulated)"));
    await waitFor(() => internals.conn === undefined, 5000, "the connection to drop");
    await expect(b.invoke({ operation: "create", data: Buffer.from("x"), metadata: {} })).rejects.toThrow(/not connected/);
    await waitFor(() => internals.conn !== undefined, 8000, "the reconnection");
    await b.invoke({ operation: "create", data: Buffer.from("after-reconnect"), metadata: {} });
    await waitFor(() => seen.includes("after-reconnect"), 5000, "the message sent after reconnecting");
  }, 15_000);

  it("prefetchCount bounds the messages in flight to the handler", async () => {
    const queueName = newQueue();
    const b = await binding({ queueName, prefetchCount: "1" });
    for (let i = 0; i < 4; i++) await b.invoke({ operation: "create", data: Buffer.from(String(i)), metadata: {} });
    let inFlight = 0;
    let maxInFlight = 0;
    let done = 0;
    await b.read(async () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await sleep(30);
      inFlight--;
      done++;
    });
    await waitFor(() => done === 4, 5000, "all four messages handled");
    expect(maxInFlight).toBe(1);
  });

  it("an exclusive queue cannot be declared from a second connection", async () => {
    const queueName = newQueue();
    await binding({ queueName, exclusive: "true" });
    await expect(binding({ queueName, exclusive: "true" })).rejects.toThrow(/cannot declare queue/);
  });

  it("fails init clearly without queueName or host, and for bad numbers", async () => {
    await expect(new RabbitMQBinding(ctx({})).init()).rejects.toThrow(/queueName/);
    await expect(new RabbitMQBinding({ ...ctx({ queueName: "x" }), properties: { queueName: "x" } }).init()).rejects.toThrow(/host/);
    await expect(new RabbitMQBinding(ctx({ queueName: "x", prefetchCount: "-1" })).init()).rejects.toThrow(/prefetchCount/);
    const b = await binding({ queueName: newQueue() });
    await expect(b.invoke({ operation: "create", data: Buffer.from("x"), metadata: { priority: "999" } })).rejects.toThrow(/priority/);
  });
});
