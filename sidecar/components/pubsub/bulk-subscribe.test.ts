import { afterAll, describe, expect, it } from "vitest";
import { uniqueName } from "../../../test/support/services.js";
import { componentContext } from "../../../test/support/component-context.js";
import { waitFor } from "../../../test/support/wait.js";
import { bulkSubscribe } from "./bulk-subscribe.js";
import { InMemoryPubSub } from "./in-memory/in-memory-pubsub.js";
import type { BulkMessage, PubSub } from "./pubsub.js";

async function memory(group: string): Promise<PubSub> {
  const c = new InMemoryPubSub(componentContext({
    name: uniqueName("bulk"),
    type: "pubsub.in-memory",
    properties: { consumerID: group, redeliverInterval: "50ms", concurrency: "5" },
    appId: group,
  }));
  await c.init();
  return c;
}

describe("bulkSubscribe (default adapter)", () => {
  const opened: PubSub[] = [];
  afterAll(async () => {
    await Promise.allSettled(opened.map((c) => c.close()));
  });

  it("batches up to maxMessagesCount and redelivers only the failed entries", async () => {
    const c = await memory("g1");
    opened.push(c);
    const topic = uniqueName("t");
    const batches: BulkMessage[] = [];
    let failOnce = true;
    const handler = async (m: BulkMessage) => {
      batches.push(m);
      const bad = m.entries.find((e) => e.event.toString() === "m1");
      if (bad && failOnce) {
        failOnce = false;
        return { failedEntryIds: [bad.entryId] };
      }
      return { failedEntryIds: [] };
    };
    // concurrency 5 lets the component hand over several messages at once, so batches can fill.
    await bulkSubscribe(c, { topic, metadata: {} }, { maxMessagesCount: 3, maxAwaitDurationMs: 100 }, handler);
    for (let i = 0; i < 3; i++) await c.publish({ topic, data: Buffer.from(`m${i}`), metadata: {} });
    await waitFor(() => batches.flatMap((b) => b.entries).filter((e) => e.event.toString() === "m1").length === 2, 3000, "redelivery of m1");
    expect(batches[0]!.entries).toHaveLength(3);
    const delivered = batches.flatMap((b) => b.entries.map((e) => e.event.toString()));
    expect(delivered.filter((d) => d === "m0")).toHaveLength(1);
    expect(delivered.filter((d) => d === "m2")).toHaveLength(1);
  });

  it("flushes a partial batch after maxAwaitDurationMs", async () => {
    const c = await memory("g2");
    opened.push(c);
    const topic = uniqueName("t");
    const sizes: number[] = [];
    await bulkSubscribe(c, { topic, metadata: {} }, { maxMessagesCount: 10, maxAwaitDurationMs: 50 }, async (m) => {
      sizes.push(m.entries.length);
      return { failedEntryIds: [] };
    });
    await c.publish({ topic, data: Buffer.from("only"), metadata: {} });
    await waitFor(() => sizes.length === 1, 2000, "the partial batch");
    expect(sizes).toEqual([1]);
  });

  it("rejects a bad configuration", async () => {
    const c = await memory("g3");
    opened.push(c);
    await expect(bulkSubscribe(c, { topic: "t", metadata: {} }, { maxMessagesCount: 0, maxAwaitDurationMs: 10 }, async () => ({ failedEntryIds: [] }))).rejects.toThrow(
      /maxMessagesCount/,
    );
  });
});
