// InputBindingDelivery against a stand-in app (an AppChannel that records what
// it is given) and a small in-test input binding that emits on demand.
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import type { AppChannel, BindingEventDelivery, BindingEventReply } from "../../app-channel/app-channel.js";
import type { BindingHandler, InputBinding } from "../../components/bindings/index.js";
import { ComponentHub } from "../../components/hub.js";
import { silentLogger } from "../../log/logger.js";
import { ResiliencyProvider } from "../../resiliency/index.js";
import type { ResiliencyInput } from "../../resiliency/types.js";
import { noPolicies, type PolicySource, type RuntimeContext } from "../../runtime/runtime-context.js";
import type { StateCore } from "../state/state-core.js";
import { BindingsCore } from "./bindings-core.js";
import { InputBindingDelivery } from "./input-bindings.js";

class EmittingBinding implements InputBinding {
  handler?: BindingHandler;
  async init(): Promise<void> {}
  async close(): Promise<void> {}
  async read(handler: BindingHandler): Promise<void> {
    this.handler = handler;
  }
  emit(text: string) {
    return this.handler!({ data: Buffer.from(text), metadata: { source: "test" } });
  }
}

function fakeApp(opts: { takes: string[]; failFirst?: number; reply?: Partial<BindingEventReply> }) {
  const delivered: BindingEventDelivery[] = [];
  let calls = 0;
  const app = {
    protocol: "http",
    listInputBindings: async (c: { name: string }[]) => c.filter((x) => opts.takes.includes(x.name)).map((x) => x.name),
    deliverBindingEvent: async (d: BindingEventDelivery) => {
      calls++;
      if (calls <= (opts.failFirst ?? 0)) throw new Error("app answered 500");
      delivered.push(d);
      return { states: [], to: [], concurrency: "sequential", ...opts.reply } as BindingEventReply;
    },
  } as unknown as AppChannel;
  return { app, delivered, calls: () => calls };
}

function setup(policies: PolicySource = noPolicies) {
  const hub = new ComponentHub();
  const bindings: Record<string, EmittingBinding> = {};
  for (const [name, props] of [["orders", { route: "/in/orders" }], ["ignored", {}], ["outonly", { direction: "output" }]] as const) {
    bindings[name] = new EmittingBinding();
    hub.add({ name, type: "bindings.rabbitmq", version: "v1", category: "bindings", instance: bindings[name]!, capabilities: [], properties: { ...props }, source: "test" });
  }
  const rt: RuntimeContext = { appId: "app", namespace: "default", hub, logger: silentLogger, policies };
  const saved: { store: string; keys: string[] }[] = [];
  const state = { save: async (store: string, items: { key: string }[]) => void saved.push({ store, keys: items.map((i) => i.key) }) } as unknown as StateCore;
  return { rt, bindings, state, saved };
}

describe("InputBindingDelivery", () => {
  it("reads only bindings the app takes and that may be inputs, delivering to their route", async () => {
    const { rt, bindings, state } = setup();
    const { app, delivered } = fakeApp({ takes: ["orders", "outonly"] });
    const d = new InputBindingDelivery(rt, app, new BindingsCore(rt), state);
    await d.start();
    expect(d.active()).toEqual(["orders"]);
    expect(bindings.ignored!.handler).toBeUndefined();
    expect(bindings.outonly!.handler).toBeUndefined();
    await bindings.orders!.emit("hello");
    expect(delivered).toEqual([{ name: "orders", route: "/in/orders", data: Buffer.from("hello"), metadata: { source: "test" } }]);
  });

  it("reads a replaced input binding's new instance after a hot reload, and stops reading a removed one", async () => {
    const { rt, state } = setup();
    const { app, delivered } = fakeApp({ takes: ["orders"] });
    const d = new InputBindingDelivery(rt, app, new BindingsCore(rt), state);
    await d.start();
    // Hot reload swaps the instance in the hub (and closes the old one).
    const fresh = new EmittingBinding();
    const old = rt.hub.get("orders")!;
    rt.hub.add({ ...old, instance: fresh });
    await d.reload("orders");
    expect(fresh.handler).toBeDefined();
    await fresh.emit("after reload");
    expect(delivered.map((e) => e.data.toString())).toEqual(["after reload"]);
    expect(d.active()).toEqual(["orders"]);
    rt.hub.remove("orders");
    await d.reload("orders");
    expect(d.active()).toEqual([]);
  });

  it("fails the event when the app refuses it, so the binding redelivers", async () => {
    const { rt, bindings, state } = setup();
    const { app, delivered } = fakeApp({ takes: ["orders"], failFirst: 1 });
    const d = new InputBindingDelivery(rt, app, new BindingsCore(rt), state);
    await d.start();
    await expect(bindings.orders!.emit("x")).rejects.toThrow(/500/);
    await bindings.orders!.emit("x");
    expect(delivered).toHaveLength(1);
  });

  it("retries a refused event under the binding's inbound resiliency policy", async () => {
    const res = parseYaml(`
apiVersion: dapr.io/v1alpha1
kind: Resiliency
metadata: { name: r }
spec:
  policies: { retries: { quick: { policy: constant, duration: 1ms, maxRetries: 3 } } }
  targets: { components: { orders: { inbound: { retry: quick } } } }
`) as ResiliencyInput;
    const { rt, bindings, state } = setup(new ResiliencyProvider([res], { logger: silentLogger, appId: "app" }));
    const { app, delivered, calls } = fakeApp({ takes: ["orders"], failFirst: 2 });
    await new InputBindingDelivery(rt, app, new BindingsCore(rt), state).start();
    await bindings.orders!.emit("x");
    expect(calls()).toBe(3);
    expect(delivered).toHaveLength(1);
  });

  it("refuses events while the app is unhealthy and delivers again once healthy", async () => {
    const { rt, bindings, state } = setup();
    const { app, delivered } = fakeApp({ takes: ["orders"] });
    const d = new InputBindingDelivery(rt, app, new BindingsCore(rt), state);
    await d.start();
    d.setHealthy(false);
    await expect(bindings.orders!.emit("paused")).rejects.toThrow(/unhealthy/);
    expect(delivered).toHaveLength(0);
    d.setHealthy(true);
    await bindings.orders!.emit("resumed");
    expect(delivered.map((x) => x.data.toString())).toEqual(["resumed"]);
  });

  it("saves the reply's state; a failing reply action does not fail the event", async () => {
    const { rt, bindings, state, saved } = setup();
    const { app } = fakeApp({ takes: ["orders"], reply: { storeName: "store", states: [{ key: "k", value: Buffer.from("1"), metadata: {} }], to: ["missing-binding"] } });
    await new InputBindingDelivery(rt, app, new BindingsCore(rt), state).start();
    await expect(bindings.orders!.emit("x")).resolves.toBeUndefined();
    expect(saved).toEqual([{ store: "store", keys: ["k"] }]);
  });
});
