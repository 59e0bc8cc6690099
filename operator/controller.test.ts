import { describe, expect, it } from "vitest";
import { silentLogger } from "../sidecar/log/logger.js";
import { eventually } from "../test/kube-api/test-client.js";
import { Controller, type Reconciler } from "./controller.js";

function recorder(keys: string[], behave: (key: string, n: number) => Promise<{ requeueAfterMs?: number } | void> = async () => {}) {
  const calls: string[] = [];
  const counts = new Map<string, number>();
  const reconciler: Reconciler = {
    name: "test",
    keys: () => keys,
    async reconcile(key) {
      const n = (counts.get(key) ?? 0) + 1;
      counts.set(key, n);
      calls.push(key);
      return behave(key, n);
    },
  };
  return { reconciler, calls, counts };
}

describe("Controller", () => {
  it("queues while stopped and passes over every cached key when started", async () => {
    const r = recorder(["ns/a", "ns/b"]);
    const c = new Controller(r.reconciler, { workers: 2, logger: silentLogger });
    c.enqueue("ns/c");
    await new Promise((res) => setTimeout(res, 20));
    expect(r.calls).toEqual([]); // not leading yet
    c.start();
    await eventually(() => r.calls.length === 3, 2000, "three passes");
    expect([...r.calls].sort()).toEqual(["ns/a", "ns/b", "ns/c"]);
    expect(c.passes).toBe(3);
    await c.stop();
  });

  it("retries a failing key with back-off until it succeeds, and runs requeueAfter work again", async () => {
    const r = recorder([], async (key, n) => {
      if (key === "flaky" && n < 3) throw new Error("API hiccup");
      if (key === "timed" && n === 1) return { requeueAfterMs: 30 };
    });
    const c = new Controller(r.reconciler, { workers: 1, logger: silentLogger, baseRetryDelayMs: 5 });
    c.start();
    c.enqueue("flaky");
    c.enqueue("timed");
    await eventually(() => r.counts.get("flaky") === 3 && r.counts.get("timed") === 2, 3000, "retries and requeue");
    await new Promise((res) => setTimeout(res, 80));
    expect(r.counts.get("flaky")).toBe(3); // success ends the retries
    expect(r.counts.get("timed")).toBe(2);
    await c.stop();
  });

  it("stop waits for the pass in progress, and later keys wait for the next start", async () => {
    let release!: () => void;
    const gate = new Promise<void>((res) => (release = res));
    const r = recorder([], async (key) => {
      if (key === "slow") await gate;
    });
    const c = new Controller(r.reconciler, { workers: 1, logger: silentLogger });
    c.start();
    c.enqueue("slow");
    await eventually(() => r.calls.includes("slow"), 2000, "slow pass started");
    let stopped = false;
    const stopping = c.stop().then(() => (stopped = true));
    await new Promise((res) => setTimeout(res, 20));
    expect(stopped).toBe(false);
    release();
    await stopping;
    c.enqueue("later");
    await new Promise((res) => setTimeout(res, 20));
    expect(r.calls).toEqual(["slow"]);
    c.start();
    await eventually(() => r.calls.includes("later"), 2000, "queued key after restart");
    await c.stop();
  });
});
