import { describe, expect, it } from "vitest";
import { WorkQueue } from "./work-queue.js";

describe("WorkQueue", () => {
  it("holds a waiting key once, however often it is added", async () => {
    const q = new WorkQueue();
    for (let i = 0; i < 100; i++) q.add("ns/a");
    q.add("ns/b");
    expect(q.length).toBe(2);
    expect(await q.get()).toBe("ns/a");
    expect(await q.get()).toBe("ns/b");
    expect(q.length).toBe(0);
  });

  it("never hands a key in process to a second worker, and re-queues it when added meanwhile", async () => {
    const q = new WorkQueue();
    q.add("k");
    const first = await q.get();
    q.add("k");
    q.add("k");
    expect(q.length).toBe(0); // held back while "k" is processed
    let second: string | undefined;
    void q.get().then((k) => (second = k));
    await new Promise((r) => setTimeout(r, 5));
    expect(second).toBeUndefined();
    q.done(first!);
    await new Promise((r) => setTimeout(r, 0));
    expect(second).toBe("k");
    q.done("k");
    expect(q.length).toBe(0); // the two adds while processing were one pass
  });

  it("wakes waiting workers as keys arrive", async () => {
    const q = new WorkQueue();
    const got = Promise.all([q.get(), q.get()]);
    q.add("x");
    q.add("y");
    expect((await got).sort()).toEqual(["x", "y"]);
  });

  it("retries failures with a growing delay, reset by forget", async () => {
    const q = new WorkQueue({ baseDelayMs: 10 });
    q.addRateLimited("k");
    expect(q.retries("k")).toBe(1);
    expect(q.length).toBe(0);
    expect(await q.get()).toBe("k");
    q.done("k");
    q.addRateLimited("k");
    q.addRateLimited("k"); // a pending retry is not scheduled twice
    expect(q.retries("k")).toBe(3);
    expect(await q.get()).toBe("k");
    q.done("k");
    q.forget("k");
    expect(q.retries("k")).toBe(0);
  });

  it("addAfter delays a key; shutDown releases waiters with undefined and drops timers", async () => {
    const q = new WorkQueue();
    q.addAfter("later", 20);
    expect(q.length).toBe(0);
    expect(await q.get()).toBe("later");
    q.addAfter("never", 10_000);
    const waiting = q.get();
    q.shutDown();
    expect(await waiting).toBeUndefined();
    expect(await q.get()).toBeUndefined();
    q.add("ignored");
    expect(q.length).toBe(0);
  });

  it("keeps order and dedup over many keys (a 10,000-key burst)", async () => {
    const q = new WorkQueue();
    for (let round = 0; round < 3; round++) for (let i = 0; i < 10_000; i++) q.add(`ns/c${i}`);
    expect(q.length).toBe(10_000);
    const seen: string[] = [];
    while (q.length > 0) {
      const k = (await q.get())!;
      seen.push(k);
      q.done(k);
    }
    expect(seen).toHaveLength(10_000);
    expect(seen[0]).toBe("ns/c0");
    expect(seen[9999]).toBe("ns/c9999");
  });
});
