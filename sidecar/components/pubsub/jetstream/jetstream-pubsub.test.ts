import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import { services, uniqueName } from "../../../../test/support/services.js";
import { componentContext } from "../../../../test/support/component-context.js";
import { sleep, waitFor } from "../../../../test/support/wait.js";
import { startOwnedNats } from "../../../../test/conformance/pubsub/owned-brokers.js";
import { JetStreamPubSub } from "./jetstream-pubsub.js";

const ctx = (properties: Record<string, string>, appId = "app-j") => componentContext({ name: "js", type: "pubsub.jetstream", properties, appId });

describe("pubsub.jetstream", () => {
  const prefix = uniqueName("jst").replaceAll("-", "_");
  const stream = `${prefix}_s`;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  const opened: JetStreamPubSub[] = [];
  const open = async (props: Record<string, string> = {}, appId?: string) => {
    const c = new JetStreamPubSub(ctx({ natsURL: services.nats.url, ...props }, appId));
    await c.init();
    opened.push(c);
    return c;
  };

  beforeAll(async () => {
    nc = await connect({ servers: services.nats.url });
    jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: stream, subjects: [`${prefix}.>`] });
  });
  afterAll(async () => {
    await Promise.allSettled(opened.map((c) => c.close()));
    await jsm.streams.delete(stream).catch(() => {});
    await nc.close();
  });

  it("de-duplicates a republished CloudEvent by its id (Nats-Msg-Id)", async () => {
    const topic = `${prefix}.dedupe`;
    const c = await open();
    const ce = Buffer.from(JSON.stringify({ id: uniqueName("ce"), source: "s", type: "t", specversion: "1.0" }));
    await c.publish({ topic, data: ce, metadata: {} });
    await c.publish({ topic, data: ce, metadata: {} });
    const info = await jsm.streams.info(stream, { subjects_filter: topic } as never);
    expect(info.state.subjects?.[topic] ?? info.state.messages).toBe(1);
  });

  it("creates a durable consumer named <consumerID>-<topic>, or durableName when given", async () => {
    const topic = `${prefix}.named`;
    const c = await open({}, "orders");
    await c.subscribe({ topic, metadata: {} }, async () => {});
    const names: string[] = [];
    for await (const ci of jsm.consumers.list(stream)) names.push(ci.name);
    expect(names).toContain(`orders-${prefix}_named`);
    const d = await open({ durableName: "explicit-durable" });
    await d.subscribe({ topic, metadata: {} }, async () => {});
    const after: string[] = [];
    for await (const ci of jsm.consumers.list(stream)) after.push(ci.name);
    expect(after).toContain("explicit-durable");
  });

  it("explains a missing stream and bad metadata", async () => {
    const c = await open();
    await expect(c.subscribe({ topic: uniqueName("nostream"), metadata: {} }, async () => {})).rejects.toThrow(/no stream holds subject/);
    await expect(new JetStreamPubSub(ctx({})).init()).rejects.toThrow(/natsURL/);
    await expect(new JetStreamPubSub(ctx({ natsURL: services.nats.url, deliverPolicy: "sometimes" })).init()).rejects.toThrow(/deliverPolicy/);
  });

  it("resumes after the NATS server restarts, keeping unacked messages", async () => {
    const nats = await startOwnedNats();
    const c = new JetStreamPubSub(ctx({ natsURL: nats.url, ackWait: "500ms" }));
    try {
      const admin = await connect({ servers: nats.url });
      await (await jetstreamManager(admin)).streams.add({ name: "restart", subjects: ["restart.>"] });
      await admin.close();
      await c.init();
      const seen: string[] = [];
      let fail = true;
      await c.subscribe({ topic: "restart.t", metadata: {} }, async (m) => {
        seen.push(m.data.toString());
        if (fail) {
          fail = false;
          throw new Error("nack before the crash");
        }
      });
      await c.publish({ topic: "restart.t", data: Buffer.from("before"), metadata: {} });
      await waitFor(() => seen.length >= 1, 5000, "first delivery");
      await nats.kill();
      await nats.start();
      await waitFor(() => seen.filter((s) => s === "before").length >= 2, 15_000, "redelivery after restart");
      let published = false;
      for (let i = 0; i < 50 && !published; i++) {
        published = await c.publish({ topic: "restart.t", data: Buffer.from("after"), metadata: {} }).then(() => true, () => false);
        if (!published) await sleep(200);
      }
      expect(published).toBe(true);
      await waitFor(() => seen.includes("after"), 15_000, "a message published after the restart");
    } finally {
      await c.close();
      await nats.stop();
    }
  });
});
