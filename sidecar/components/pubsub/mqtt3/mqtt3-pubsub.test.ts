import { afterAll, describe, expect, it } from "vitest";
import { services, uniqueName } from "../../../../test/support/services.js";
import { componentContext } from "../../../../test/support/component-context.js";
import { sleep, waitFor } from "../../../../test/support/wait.js";
import { startOwnedMosquitto } from "../../../../test/conformance/pubsub/owned-brokers.js";
import { Mqtt3PubSub } from "./mqtt3-pubsub.js";

const ctx = (properties: Record<string, string>) =>
  componentContext({ name: "mqtt", type: "pubsub.mqtt3", properties: { url: services.mqtt.url, ...properties }, appId: "app-m" });

describe("pubsub.mqtt3", () => {
  const opened: Mqtt3PubSub[] = [];
  const open = async (props: Record<string, string>) => {
    const c = new Mqtt3PubSub(ctx(props));
    await c.init();
    opened.push(c);
    return c;
  };
  afterAll(async () => {
    await Promise.allSettled(opened.map((c) => c.close()));
  });

  it("keeps QoS 1 messages for an offline consumer (cleanSession false) and redelivers unacked ones", async () => {
    const topic = uniqueName("sess");
    const id = uniqueName("client");
    const pub = await open({ consumerID: uniqueName("pub") });
    const first = await open({ consumerID: id });
    const seen1: string[] = [];
    await first.subscribe({ topic, metadata: {} }, async (m) => {
      seen1.push(m.data.toString());
      throw new Error("always fail while the first session lives");
    });
    await pub.publish({ topic, data: Buffer.from("unacked"), metadata: {} });
    await waitFor(() => seen1.length >= 1, 5000, "first delivery");
    await first.close();
    await pub.publish({ topic, data: Buffer.from("while-offline"), metadata: {} });

    const second = await open({ consumerID: id });
    const seen2: string[] = [];
    await second.subscribe({ topic, metadata: {} }, async (m) => {
      seen2.push(m.data.toString());
    });
    await waitFor(() => seen2.includes("unacked") && seen2.includes("while-offline"), 5000, "both messages on the new session");
  });

  it("shares a $share subscription between two clients", async () => {
    const topic = uniqueName("shared");
    const pub = await open({ consumerID: uniqueName("pub") });
    const a: string[] = [];
    const b: string[] = [];
    const ca = await open({ consumerID: uniqueName("a") });
    const cb = await open({ consumerID: uniqueName("b") });
    await ca.subscribe({ topic: `$share/grp/${topic}`, metadata: {} }, async (m) => void a.push(m.data.toString()));
    await cb.subscribe({ topic: `$share/grp/${topic}`, metadata: {} }, async (m) => void b.push(m.data.toString()));
    await sleep(100);
    const sent = Array.from({ length: 10 }, (_, i) => `x${i}`);
    for (const s of sent) await pub.publish({ topic, data: Buffer.from(s), metadata: {} });
    await waitFor(() => a.length + b.length >= sent.length, 5000, "shared messages");
    await sleep(200);
    expect([...a, ...b].sort()).toEqual([...sent].sort());
    expect(a.length).toBeGreaterThan(0);
    expect(b.length).toBeGreaterThan(0);
  });

  it("routes wildcard subscriptions", async () => {
    const base = uniqueName("wild");
    const c = await open({ consumerID: uniqueName("w") });
    const got: string[] = [];
    await c.subscribe({ topic: `${base}/+/events`, metadata: {} }, async (m) => void got.push(m.topic));
    await sleep(100);
    await c.publish({ topic: `${base}/eu/events`, data: Buffer.from("1"), metadata: {} });
    await waitFor(() => got.length === 1, 5000, "wildcard delivery");
    expect(got).toEqual([`${base}/eu/events`]);
    expect(c.features()).toContain("SUBSCRIBE_WILDCARDS");
  });

  it("reconnects and resubscribes after the broker restarts", async () => {
    const broker = await startOwnedMosquitto();
    const c = new Mqtt3PubSub(ctx({ url: broker.url, consumerID: uniqueName("re") }));
    try {
      await c.init();
      const topic = uniqueName("re");
      const got: string[] = [];
      await c.subscribe({ topic, metadata: {} }, async (m) => void got.push(m.data.toString()));
      await c.publish({ topic, data: Buffer.from("before"), metadata: {} });
      await waitFor(() => got.includes("before"), 5000, "first message");
      await broker.kill();
      await broker.start();
      // The restarted broker forgot the session: until we have resubscribed, publishes have no
      // subscriber and are lost (as with Dapr). Keep publishing until one comes through.
      for (let i = 0; i < 30 && !got.some((g) => g.startsWith("after")); i++) {
        await c.publish({ topic, data: Buffer.from(`after-${i}`), metadata: {} });
        await sleep(300);
      }
      expect(got.some((g) => g.startsWith("after"))).toBe(true);
    } finally {
      await c.close();
      await broker.stop();
    }
  });

  it("reports bad metadata and an unreachable broker clearly", async () => {
    await expect(new Mqtt3PubSub(ctx({ url: "" })).init()).rejects.toThrow(/missing url/);
    await expect(new Mqtt3PubSub(ctx({ qos: "5" })).init()).rejects.toThrow(/invalid qos/);
    const c = await open({ consumerID: uniqueName("r") });
    await expect(c.publish({ topic: "t", data: Buffer.from("x"), metadata: { retain: "maybe" } })).rejects.toThrow(/invalid retain/);
    await expect(new Mqtt3PubSub(ctx({ url: "mqtt://127.0.0.1:1", consumerID: uniqueName("x") })).init()).rejects.toThrow(/failed to establish connection/);
  });
});
