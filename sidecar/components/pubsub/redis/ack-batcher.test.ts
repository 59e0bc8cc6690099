import type { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { AckBatcher } from "./ack-batcher.js";

// The XACKs themselves against a real Redis are covered by the pub/sub conformance suite (pubsub.redis).
function recordingClient(fail?: Error) {
  const calls: string[][] = [];
  const client = {
    xack: async (...args: string[]) => {
      calls.push(args);
      if (fail) throw fail;
      return args.length - 2;
    },
  } as unknown as Redis;
  return { client, calls };
}

describe("AckBatcher", () => {
  it("acknowledges ids finished in the same turn with one XACK, later ones with the next", async () => {
    const { client, calls } = recordingClient();
    const acks = new AckBatcher(client, "orders", "group-a");
    await Promise.all(["1-0", "2-0", "3-0"].map((id) => acks.ack(id)));
    await acks.ack("4-0");
    expect(calls).toEqual([["orders", "group-a", "1-0", "2-0", "3-0"], ["orders", "group-a", "4-0"]]);
  });

  it("rejects every waiter of a batch whose XACK fails", async () => {
    const { client } = recordingClient(new Error("connection lost"));
    const acks = new AckBatcher(client, "orders", "group-a");
    const results = await Promise.allSettled([acks.ack("1-0"), acks.ack("2-0")]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
  });
});
