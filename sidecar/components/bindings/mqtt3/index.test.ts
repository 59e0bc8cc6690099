import mqtt from "mqtt";
import { afterAll, describe, expect, it } from "vitest";
import { Logger } from "../../../log/logger.js";
import type { Properties } from "../../component.js";
import { services, uniqueName } from "../../../../test/support/services.js";
import { componentContext } from "../../../../test/support/component-context.js";
import { sleep, waitFor } from "../../../../test/support/wait.js";
import type { BindingEvent } from "../binding.js";
import { Mqtt3Binding } from "./index.js";

function ctx(properties: Properties) {
  return componentContext({ name: "mq", type: "bindings.mqtt3", properties: { url: services.mqtt.url, consumerID: uniqueName("c"), cleanSession: "true", ...properties }, appId: "app" });
}
const opened: { close(): Promise<void> }[] = [];
async function binding(properties: Properties) {
  const b = new Mqtt3Binding(ctx(properties));
  opened.push(b);
  await b.init();
  return b;
}
afterAll(async () => { await Promise.allSettled(opened.map((b) => b.close())); });

describe("bindings.mqtt3", () => {
  it("delivers with the topic in metadata; request metadata `topic` publishes elsewhere", async () => {
    const topic = `dapr-ts/${uniqueName("t")}`;
    const other = `${topic}-other`;
    const b = await binding({ topic });
    const events: BindingEvent[] = [];
    await b.read(async (e) => { events.push(e); });
    const raw = await mqtt.connectAsync(services.mqtt.url);
    opened.push({ close: () => raw.endAsync() });
    const rawSeen: string[] = [];
    raw.on("message", (t, p) => rawSeen.push(`${t}:${p.toString()}`));
    await raw.subscribeAsync(other, { qos: 1 });

    await b.invoke({ operation: "create", data: Buffer.from("elsewhere"), metadata: { topic: other } });
    await b.invoke({ operation: "create", data: Buffer.from("here"), metadata: {} });
    await waitFor(() => events.length >= 1 && rawSeen.length >= 1, 5000, "the event and the message elsewhere");
    await sleep(100);
    expect(events.map((e) => [e.data.toString(), e.metadata.topic])).toEqual([["here", topic]]);
    expect(rawSeen).toEqual([`${other}:elsewhere`]);
  });

  it("retain keeps the last message for later subscribers", async () => {
    const topic = `dapr-ts/${uniqueName("r")}`;
    const pub = await binding({ topic, retain: "true" });
    await pub.invoke({ operation: "create", data: Buffer.from("sticky"), metadata: {} });
    const sub = await binding({ topic });
    const events: BindingEvent[] = [];
    await sub.read(async (e) => { events.push(e); });
    await waitFor(() => events.length >= 1, 5000, "the retained message");
    expect(events[0].data.toString()).toBe("sticky");
    // Clear the retained message so the broker does not keep it.
    await pub.invoke({ operation: "create", data: Buffer.alloc(0), metadata: {} });
  });

  it("retries a failed handler backOffMaxRetries times", async () => {
    const topic = `dapr-ts/${uniqueName("retry")}`;
    const b = await binding({ topic, backOffMaxRetries: "1" });
    let calls = 0;
    await b.read(async () => { calls++; if (calls === 1) throw new Error("app not ready"); });
    await b.invoke({ operation: "create", data: Buffer.from("x"), metadata: {} });
    await waitFor(() => calls >= 2, 8000, "the retried delivery");
    expect(calls).toBe(2);
  }, 15_000);

  it("fails clearly for missing fields, a bad url or PEM, and an unreachable broker; ignores the deprecated qos", async () => {
    await expect(new Mqtt3Binding(ctx({ topic: "x", url: "" })).init()).rejects.toThrow(/url/);
    await expect(new Mqtt3Binding(ctx({})).init()).rejects.toThrow(/topic/);
    await expect(new Mqtt3Binding(ctx({ topic: "x", url: "http://127.0.0.1:1883" })).init()).rejects.toThrow(/scheme/);
    await expect(new Mqtt3Binding(ctx({ topic: "x", caCert: "not pem" })).init()).rejects.toThrow(/caCert/);
    const warnings: string[] = [];
    const logged = new Mqtt3Binding({ ...ctx({ topic: "x", qos: "2" }), logger: new Logger({ level: "warn", sink: (l) => warnings.push(l) }) });
    await logged.init();
    expect(warnings.join("\n")).toMatch(/qos.*deprecated/);
    const down = await binding({ topic: "x", url: "mqtt://127.0.0.1:1" });
    await expect(down.invoke({ operation: "create", data: Buffer.from("x"), metadata: {} })).rejects.toThrow(/failed to connect/);
  });
});
