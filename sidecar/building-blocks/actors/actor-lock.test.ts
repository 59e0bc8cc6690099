import { describe, expect, it } from "vitest";
import { DaprError } from "../../errors/catalog.js";
import { ActorLock } from "./actor-lock.js";

const tick = () => new Promise((r) => setImmediate(r));

describe("ActorLock", () => {
  it("runs one call at a time, in arrival order", async () => {
    const lock = new ActorLock();
    const order: string[] = [];
    let running = 0;
    let maxRunning = 0;
    await Promise.all(["a", "b", "c", "d"].map(async (name) => {
      const release = await lock.acquire();
      running++;
      maxRunning = Math.max(maxRunning, running);
      order.push(name);
      await tick();
      running--;
      release();
    }));
    expect(order).toEqual(["a", "b", "c", "d"]);
    expect(maxRunning).toBe(1);
    expect(lock.busy).toBe(false);
  });

  it("lets a nested call of the same reentrancy chain through, and queues other chains", async () => {
    const lock = new ActorLock();
    const outer = await lock.acquire("chain-1");
    let otherRan = false;
    const other = lock.acquire("chain-2").then((r) => { otherRan = true; return r; });
    const nested = await lock.acquire("chain-1");
    await tick();
    expect(otherRan).toBe(false);
    nested();
    await tick();
    expect(otherRan).toBe(false);
    outer();
    (await other)();
    expect(otherRan).toBe(true);
  });

  it("refuses a reentrant call beyond the maximum stack depth", async () => {
    const lock = new ActorLock();
    const releases = [await lock.acquire("c", 3), await lock.acquire("c", 3), await lock.acquire("c", 3)];
    await expect(lock.acquire("c", 3)).rejects.toBeInstanceOf(DaprError);
    for (const r of releases.reverse()) r();
    expect(lock.busy).toBe(false);
  });

  it("ignores a second release of the same turn", async () => {
    const lock = new ActorLock();
    const first = await lock.acquire();
    const second = lock.acquire();
    first();
    first();
    const third = lock.acquire();
    let thirdRan = false;
    void third.then(() => (thirdRan = true));
    (await second);
    await tick();
    expect(thirdRan).toBe(false);
  });

  it("idle() resolves once every queued call is done", async () => {
    const lock = new ActorLock();
    const r1 = await lock.acquire();
    const p2 = lock.acquire();
    let idle = false;
    void lock.idle().then(() => (idle = true));
    r1();
    await tick();
    expect(idle).toBe(false);
    (await p2)();
    await tick();
    expect(idle).toBe(true);
  });
});
