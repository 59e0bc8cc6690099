import { describe, expect, it } from "vitest";
import { Logger } from "../log/logger.js";
import type { ComponentResource, Sourced } from "../resources/types.js";
import { defaultCategoryAdapters, type CategoryAdapters } from "./categories.js";
import type { Component, ComponentContext } from "./component.js";
import { ComponentReloader, InFlightTracker } from "./hot-reload.js";
import { ComponentHub } from "./hub.js";
import type { InitOptions } from "./initializer.js";
import type { StateStore } from "./state/state-store.js";

/** A component of a test-only category: `work()` takes as long as told; failures on demand. */
class Probe implements Component {
  static closed: string[] = [];
  private open = false;
  #secret = "private fields still work through the proxy";
  constructor(readonly ctx: ComponentContext) {}
  async init(): Promise<void> {
    if (this.ctx.properties["fail"]) throw new Error(`probe refuses: ${this.ctx.properties["fail"]}`);
    this.open = true;
  }
  async work(ms: number): Promise<string> {
    await new Promise((r) => setTimeout(r, ms));
    if (!this.open) throw new Error("used after close");
    return `${this.ctx.properties["tag"]}`;
  }
  secret(): string {
    return this.#secret;
  }
  boom(): never {
    throw new Error("sync failure");
  }
  async close(): Promise<void> {
    this.open = false;
    Probe.closed.push(this.ctx.properties["tag"] ?? "?");
  }
}

const silent = new Logger({ sink: () => {} });

function setup(extra: Partial<InitOptions> = {}) {
  const adapters: CategoryAdapters = {
    ...defaultCategoryAdapters(),
    probe: { create: (ctx) => new Probe(ctx), capabilities: () => [] },
  };
  const hub = new ComponentHub();
  const swaps: string[] = [];
  const reloader = new ComponentReloader({
    init: { appId: "app1", namespace: "default", env: {}, logger: silent, adapters, hub, ...extra },
    drainTimeoutMs: 2_000,
    onSwapped: (name, category) => void swaps.push(`${category}/${name}`),
  });
  return { hub, reloader, swaps };
}

function component(name: string, type: string, meta: Record<string, string>, scopes?: string[]): Sourced<ComponentResource> {
  return {
    source: `test ${name}`,
    resource: {
      apiVersion: "dapr.io/v1alpha1",
      kind: "Component",
      metadata: { name },
      scopes,
      spec: { type, version: "v1", metadata: Object.entries(meta).map(([k, value]) => ({ name: k, value })) },
    },
  };
}

const probe = (hub: ComponentHub, name: string) => hub.get(name)!.instance as unknown as Probe;

describe("InFlightTracker", () => {
  it("counts calls until their promises settle, and drains", async () => {
    const t = new InFlightTracker();
    const p = t.wrap(new Probe({ name: "p", type: "probe.x", version: "v1", properties: { tag: "a" }, appId: "a", namespace: "n", logger: silent }));
    await p.init();
    const calls = [p.work(60), p.work(30)];
    expect(t.inFlight(p)).toBe(2);
    const drained = t.drain(p, 2_000);
    await Promise.all(calls);
    expect(await drained).toBe(true);
    expect(t.inFlight(p)).toBe(0);
  });

  it("keeps private fields, sync results and sync throws working, and gives up draining after the timeout", async () => {
    const t = new InFlightTracker();
    const p = t.wrap(new Probe({ name: "p", type: "probe.x", version: "v1", properties: {}, appId: "a", namespace: "n", logger: silent }));
    expect(p.secret()).toMatch(/private fields/);
    expect(() => p.boom()).toThrow("sync failure");
    expect(t.inFlight(p)).toBe(0);
    await p.init();
    const slow = p.work(300);
    expect(await t.drain(p, 20)).toBe(false);
    await slow;
    expect(t.wrap(p)).toBe(p); // wrapping twice is a no-op
  });
});

describe("ComponentReloader", () => {
  it("adds, replaces (closing the old one after its in-flight call) and removes a component", async () => {
    const { hub, reloader, swaps } = setup();
    expect(await reloader.apply(component("p1", "probe.x", { tag: "v1" }))).toEqual({ name: "p1", outcome: "loaded" });
    const v1 = probe(hub, "p1");
    const inFlight = v1.work(150);

    expect(await reloader.apply(component("p1", "probe.x", { tag: "v2" }))).toEqual({ name: "p1", outcome: "replaced" });
    expect(await probe(hub, "p1").work(0)).toBe("v2");
    // The old instance finishes its call (it would throw "used after close" otherwise).
    expect(await inFlight).toBe("v1");
    await reloader.idle();
    expect(Probe.closed).toContain("v1");

    expect(await reloader.remove("p1")).toEqual({ name: "p1", outcome: "removed" });
    expect(hub.get("p1")).toBeUndefined();
    await reloader.idle();
    expect(Probe.closed).toContain("v2");
    expect(swaps).toEqual(["probe/p1", "probe/p1", "probe/p1"]);
  });

  it("keeps the old component and reports the failure when the new definition does not initialise", async () => {
    const { hub, reloader } = setup();
    await reloader.apply(component("p2", "probe.x", { tag: "good" }));
    const result = await reloader.apply(component("p2", "probe.x", { tag: "bad", fail: "no such host" }));
    expect(result.outcome).toBe("failed");
    expect(result.error).toMatch(/probe refuses: no such host/);
    expect(await probe(hub, "p2").work(0)).toBe("good");
    expect(hub.failures()).toEqual([expect.objectContaining({ name: "p2", error: expect.stringMatching(/no such host/) })]);
    // A later good definition clears the failure.
    expect((await reloader.apply(component("p2", "probe.x", { tag: "fixed" }))).outcome).toBe("replaced");
    expect(hub.failures()).toEqual([]);
  });

  it("reports an unknown type clearly and leaves nothing loaded", async () => {
    const { hub, reloader } = setup();
    const r = await reloader.apply(component("p3", "state.nope", {}));
    expect(r.outcome).toBe("failed");
    expect(r.error).toMatch(/unknown component type 'state\.nope'/);
    expect(hub.get("p3")).toBeUndefined();
  });

  it("treats an identical definition as unchanged and a scoped-out one as a delete", async () => {
    const { hub, reloader } = setup();
    const def = component("p4", "probe.x", { tag: "same" });
    await reloader.apply(def);
    expect((await reloader.apply(structuredClone(def))).outcome).toBe("unchanged");
    expect((await reloader.apply(component("p4", "probe.x", { tag: "same" }, ["other-app"]))).outcome).toBe("out-of-scope");
    expect(hub.get("p4")).toBeUndefined();
    expect((await reloader.apply(component("p5", "probe.x", { tag: "x" }, ["other-app"]))).outcome).toBe("out-of-scope");
    expect(hub.get("p5")).toBeUndefined();
  });

  it("applies rapid successive changes in order: the last one wins", async () => {
    const { hub, reloader } = setup();
    const results = await Promise.all(["a", "b", "c", "d"].map((tag) => reloader.apply(component("p6", "probe.x", { tag }))));
    expect(results.map((r) => r.outcome)).toEqual(["loaded", "replaced", "replaced", "replaced"]);
    expect(await probe(hub, "p6").work(0)).toBe("d");
  });

  it("adopts start-up components so a real state store keeps working through the tracking proxy", async () => {
    const { hub, reloader } = setup();
    const def = component("mem", "state.in-memory", {});
    await reloader.apply(def);
    const store = hub.get("mem")!.instance as StateStore;
    await store.set({ key: "k", value: Buffer.from("v"), metadata: {}, options: {} });
    expect((await store.get({ key: "k", metadata: {} }))?.data.toString()).toBe("v");
    // adopt() of already-wrapped instances must not double-wrap them.
    reloader.adopt([def]);
    expect(hub.get("mem")!.instance).toBe(store);
  });
});
