// Delivers input binding events to the app, as daprd does: only bindings the
// app takes (HTTP: the OPTIONS probe; gRPC: ListInputBindings), each event
// under the binding's inbound resiliency policy, a non-2xx answer an error
// (the binding then nacks/redelivers), and the app's optional reply applied
// (state saved, `to` output bindings called with its data).
import { prop } from "../../components/component.js";
import { isInputBinding, type BindingEvent, type InputBinding } from "../../components/bindings/index.js";
import { bindingDirections } from "../../components/categories.js";
import type { AppChannel, BindingEventReply } from "../../app-channel/app-channel.js";
import type { Logger } from "../../log/logger.js";
import type { RuntimeContext } from "../../runtime/runtime-context.js";
import type { StateCore } from "../state/state-core.js";
import type { BindingsCore } from "./bindings-core.js";
import { inputBindingCount, inputBindingLatency } from "./bindings-metrics.js";

/** While the app is unhealthy an event is refused after this pause, so brokers redeliver later rather than at once. */
const PAUSED_REFUSAL_DELAY_MS = 1_000;

export class InputBindingDelivery {
  private readonly log: Logger;
  private paused = false;
  private stopped = false;
  private readonly reading = new Set<string>();

  constructor(
    private readonly rt: RuntimeContext,
    private readonly app: AppChannel,
    private readonly outputs: BindingsCore,
    private readonly state: StateCore,
  ) {
    this.log = rt.logger.child("bindings");
  }

  /** Names of the bindings events are being read from. */
  active(): string[] {
    return [...this.reading];
  }

  async start(): Promise<void> {
    const candidates = this.rt.hub
      .list("bindings")
      .filter((c) => isInputBinding(c.instance) && !this.reading.has(c.name))
      .filter((c) => {
        try {
          return bindingDirections(c.type, c.properties).input;
        } catch {
          return false;
        }
      })
      .map((c) => ({ name: c.name, route: prop(c.properties, "route") || c.name, instance: c.instance as InputBinding }));
    if (candidates.length === 0) return;
    let taken: Set<string>;
    try {
      taken = new Set(await this.app.listInputBindings(candidates));
    } catch (err) {
      this.log.error("could not ask the app which input bindings it takes", { error: (err as Error).message });
      return;
    }
    for (const c of candidates) {
      if (!taken.has(c.name)) {
        this.log.info("app does not take input binding; not reading it", { binding: c.name });
        continue;
      }
      try {
        await c.instance.read((event) => this.deliver(c.name, c.route, event));
        this.reading.add(c.name);
        this.log.info("reading input binding", { binding: c.name, route: c.route });
      } catch (err) {
        this.log.error("input binding failed to start reading", { binding: c.name, error: (err as Error).message });
      }
    }
  }

  /**
   * The component `name` was replaced or removed (hot reload). The reloader
   * closes the old instance, which ends its reading; the new instance, if any,
   * is probed and read like one found at start-up.
   */
  async reload(name: string): Promise<void> {
    this.reading.delete(name);
    if (!this.stopped) await this.start();
  }

  setHealthy(healthy: boolean): void {
    this.paused = !healthy;
  }

  stop(): void {
    this.stopped = true;
  }

  private async deliver(name: string, route: string, event: BindingEvent): Promise<void> {
    if (this.stopped) throw new Error("the sidecar is shutting down");
    if (this.paused) {
      await new Promise((r) => setTimeout(r, PAUSED_REFUSAL_DELAY_MS));
      throw new Error("the app is unhealthy; binding event not delivered");
    }
    const start = performance.now();
    let success = "false";
    try {
      const reply = await this.rt.policies
        .componentInbound(name, "bindings")
        .run(() => this.app.deliverBindingEvent({ name, route, data: event.data, metadata: event.metadata }));
      success = "true";
      // The event is delivered; a failing reply action is logged, never redelivered (as daprd).
      await this.applyReply(name, reply).catch((err: unknown) =>
        this.log.error("error executing the app's binding reply", { binding: name, error: (err as Error).message }),
      );
    } catch (err) {
      this.log.error("binding event not accepted by the app", { binding: name, error: (err as Error).message });
      throw err;
    } finally {
      const labels = { app_id: this.rt.appId, component: name, success };
      inputBindingCount.inc(labels);
      inputBindingLatency.observe(labels, performance.now() - start);
    }
  }

  private async applyReply(name: string, reply: BindingEventReply): Promise<void> {
    if (reply.storeName && reply.states.length > 0) {
      await this.state.save(reply.storeName, reply.states.map((s) => ({ key: s.key, value: s.value, etag: s.etag, metadata: s.metadata, options: {} })));
    }
    if (reply.to.length === 0) return;
    const send = (to: string) => this.outputs.invoke({ name: to, operation: "create", data: reply.data ?? Buffer.alloc(0), metadata: {} });
    if (reply.concurrency === "parallel") {
      await Promise.all(reply.to.map(send));
    } else {
      for (const to of reply.to) await send(to);
    }
    this.log.debug("binding reply forwarded", { binding: name, to: reply.to });
  }
}
