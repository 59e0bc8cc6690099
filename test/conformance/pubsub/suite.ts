// One conformance suite for every pub/sub component. Each target declares what
// it claims (redelivery, order, TTL, competing consumers); a claim it does not
// make is skipped with the reason written next to it in the target's file.
import { afterAll, describe, expect, it } from "vitest";
import type { Properties } from "../../../sidecar/components/component.js";
import { bulkPublish, pubsubRegistry, type Message, type PubSub } from "../../../sidecar/components/pubsub/index.js";
import { uniqueName } from "../../support/services.js";
import { componentContext } from "../../support/component-context.js";
import { sleep, waitFor } from "../../support/wait.js";
import { deliveryEnvelope, publishPayload } from "../../../sidecar/building-blocks/pubsub/cloudevent.js";

export interface ConformanceTarget {
  /** Component type, e.g. "pubsub.redis". */
  type: string;
  /** Component metadata for a given consumer group. */
  properties(consumerId: string): Properties;
  /** A topic name the broker accepts (some need a prefix bound to a stream). */
  topic(): string;
  claims: {
    /** A rejected message comes back to the group. */
    redelivery: boolean;
    /** A single consumer sees messages in publish order. */
    order: boolean;
    /** `ttlInSeconds` is enforced by the broker (feature MESSAGE_TTL). */
    ttl: boolean;
    /** Two instances with one consumerID share the messages instead of both getting them. */
    competingConsumers: boolean;
  };
  /** Wait after subscribing before publishing, for brokers that attach asynchronously. */
  settleMs?: number;
  /** Called once before the suite, e.g. to create a stream. */
  setup?(): Promise<void>;
  teardown?(): Promise<void>;
}

export function runPubSubConformance(name: string, target: ConformanceTarget): void {
  describe(`pubsub conformance: ${name}`, () => {
    const open: PubSub[] = [];
    let setupDone: Promise<void> | undefined;

    async function component(consumerId: string, componentName = "conformance"): Promise<PubSub> {
      setupDone ??= target.setup?.() ?? Promise.resolve();
      await setupDone;
      const c = pubsubRegistry.create(componentContext({ name: componentName, type: target.type, properties: target.properties(consumerId), appId: consumerId }));
      await c.init();
      open.push(c);
      return c;
    }

    const settle = () => sleep(target.settleMs ?? 0);
    const text = (m: Message) => m.data.toString("utf8");

    afterAll(async () => {
      await Promise.allSettled(open.map((c) => c.close()));
      await target.teardown?.();
    });

    it("announces MESSAGE_TTL exactly when it claims broker-side TTL", async () => {
      const c = await component(uniqueName("grp"));
      expect(c.features().includes("MESSAGE_TTL")).toBe(target.claims.ttl);
    });

    it("publishes and receives messages with their payload intact", async () => {
      const c = await component(uniqueName("grp"));
      const topic = target.topic();
      const got: string[] = [];
      await c.subscribe({ topic, metadata: {} }, async (m) => {
        expect(m.topic).toBe(topic);
        got.push(text(m));
      });
      await settle();
      const payloads = ["one", JSON.stringify({ a: 1 }), "ünïcode ✓"];
      for (const p of payloads) await c.publish({ topic, data: Buffer.from(p), metadata: {} });
      await waitFor(() => got.length >= payloads.length, 10_000, "three messages");
      expect([...got].sort()).toEqual([...payloads].sort());
    });

    it("carries a Dapr CloudEvent envelope through the broker unchanged", async () => {
      const c = await component(uniqueName("grp"));
      const topic = target.topic();
      const got: Message[] = [];
      await c.subscribe({ topic, metadata: {} }, async (m) => void got.push(m));
      await settle();
      const metadata = { ttlInSeconds: "60" };
      const out = publishPayload({
        data: Buffer.from('{"order":42}'),
        contentType: "application/json",
        topic,
        pubsubName: "conformance",
        appId: "publisher",
        metadata,
        brokerHasNativeTtl: c.features().includes("MESSAGE_TTL"),
      });
      await c.publish({ topic, data: out.data, contentType: out.contentType, metadata });
      await waitFor(() => got.length === 1, 10_000, "the envelope");
      const d = deliveryEnvelope({ data: got[0]!.data, topic, pubsubName: "conformance", rawPayload: false });
      expect(d.kind).toBe("deliver");
      expect(d.kind === "deliver" && d.event).toEqual(JSON.parse(out.data.toString()));
      expect(d.kind === "deliver" && d.event.data).toEqual({ order: 42 });
    });

    it.skipIf(!target.claims.redelivery)("redelivers a nacked message and not an acked one", async () => {
      const c = await component(uniqueName("grp"));
      const topic = target.topic();
      const seen = new Map<string, number>();
      await c.subscribe({ topic, metadata: {} }, async (m) => {
        const n = (seen.get(text(m)) ?? 0) + 1;
        seen.set(text(m), n);
        if (text(m) === "fail-once" && n === 1) throw new Error("nack on purpose");
      });
      await settle();
      await c.publish({ topic, data: Buffer.from("fail-once"), metadata: {} });
      await c.publish({ topic, data: Buffer.from("ok"), metadata: {} });
      await waitFor(() => (seen.get("fail-once") ?? 0) >= 2, 10_000, "redelivery of the nacked message");
      await sleep(500); // room for a wrong second delivery of the acked one to show up
      expect(seen.get("ok")).toBe(1);
      expect(seen.get("fail-once")).toBe(2);
    });

    it("gives every consumer group every message", async () => {
      const topic = target.topic();
      const groups = [uniqueName("ga"), uniqueName("gb")];
      const got = new Map<string, string[]>(groups.map((g) => [g, []]));
      for (const g of groups) {
        const c = await component(g);
        await c.subscribe({ topic, metadata: {} }, async (m) => {
          got.get(g)!.push(text(m));
        });
      }
      await settle();
      const pub = await component(uniqueName("pub"));
      const sent = Array.from({ length: 10 }, (_, i) => `m${i}`);
      for (const s of sent) await pub.publish({ topic, data: Buffer.from(s), metadata: {} });
      await waitFor(() => groups.every((g) => got.get(g)!.length >= sent.length), 10_000, "both groups");
      for (const g of groups) expect([...got.get(g)!].sort()).toEqual([...sent].sort());
    });

    it.skipIf(!target.claims.competingConsumers)("shares messages between two consumers of one group", async () => {
      const topic = target.topic();
      const group = uniqueName("shared");
      const a: string[] = [];
      const b: string[] = [];
      // Slow handlers so that one consumer cannot take everything before the other asks.
      const slow = (into: string[]) => async (m: Message) => {
        await sleep(10);
        into.push(text(m));
      };
      const ca = await component(group);
      const cb = await component(group);
      await ca.subscribe({ topic, metadata: {} }, slow(a));
      await cb.subscribe({ topic, metadata: {} }, slow(b));
      await settle();
      const sent = Array.from({ length: 20 }, (_, i) => `s${i}`);
      for (const s of sent) await ca.publish({ topic, data: Buffer.from(s), metadata: {} });
      await waitFor(() => a.length + b.length >= sent.length, 15_000, "all shared messages");
      await sleep(300);
      expect([...a, ...b].sort()).toEqual([...sent].sort()); // each exactly once
      expect(a.length).toBeGreaterThan(0);
      expect(b.length).toBeGreaterThan(0);
    });

    it("bulk publishes every entry", async () => {
      const c = await component(uniqueName("grp"));
      const topic = target.topic();
      const got: string[] = [];
      await c.subscribe({ topic, metadata: {} }, async (m) => {
        got.push(text(m));
      });
      await settle();
      const entries = Array.from({ length: 5 }, (_, i) => ({
        entryId: `e${i}`,
        event: Buffer.from(`bulk-${i}`),
        contentType: "text/plain",
        metadata: {},
      }));
      const res = await bulkPublish(c, { topic, entries, metadata: {} });
      expect(res.failedEntries).toEqual([]);
      await waitFor(() => got.length >= entries.length, 10_000, "bulk entries");
      expect([...got].sort()).toEqual(entries.map((e) => e.event.toString()).sort());
    });

    it.skipIf(!target.claims.ttl)("drops messages whose ttlInSeconds expired before delivery", async () => {
      const group = uniqueName("ttl");
      const topic = target.topic();
      const c = await component(group);
      expect(c.features()).toContain("MESSAGE_TTL");
      // Subscribe once so the group exists on the broker, then go away.
      const first = await c.subscribe({ topic, metadata: {} }, async () => {});
      await settle();
      await first.close();
      await c.publish({ topic, data: Buffer.from("short-lived"), metadata: { ttlInSeconds: "1" } });
      await c.publish({ topic, data: Buffer.from("long-lived"), metadata: { ttlInSeconds: "60" } });
      await sleep(1600);
      const got: string[] = [];
      await c.subscribe({ topic, metadata: {} }, async (m) => {
        got.push(text(m));
      });
      await waitFor(() => got.includes("long-lived"), 10_000, "the unexpired message");
      await sleep(300);
      expect(got).toEqual(["long-lived"]);
    });

    it.skipIf(!target.claims.order)("keeps publish order for a single consumer", async () => {
      const c = await component(uniqueName("grp"));
      const topic = target.topic();
      const got: number[] = [];
      await c.subscribe({ topic, metadata: {} }, async (m) => {
        got.push(Number(text(m)));
      });
      await settle();
      const n = 30;
      for (let i = 0; i < n; i++) await c.publish({ topic, data: Buffer.from(String(i)), metadata: {} });
      await waitFor(() => got.length >= n, 10_000, "ordered messages");
      expect(got).toEqual(Array.from({ length: n }, (_, i) => i));
    });

    it("closes subscriptions and the component without hanging, then refuses to publish", async () => {
      const c = await component(uniqueName("grp"));
      const topic = target.topic();
      let afterClose = 0;
      let closed = false;
      const sub = await c.subscribe({ topic, metadata: {} }, async () => {
        if (closed) afterClose++;
      });
      await settle();
      await c.publish({ topic, data: Buffer.from("before"), metadata: {} });
      await sub.close();
      closed = true;
      await c.publish({ topic, data: Buffer.from("after"), metadata: {} });
      await sleep(300);
      expect(afterClose).toBe(0);
      await c.close();
      await expect(c.publish({ topic, data: Buffer.from("x"), metadata: {} })).rejects.toThrow();
    });

    it("rejects an empty topic with a clear error", async () => {
      const c = await component(uniqueName("grp"));
      await expect(c.publish({ topic: "", data: Buffer.from("x"), metadata: {} })).rejects.toThrow(/topic/);
    });
  });
}
