// The actors active in THIS sidecar's app: activation (with a placement claim,
// so no other host runs the same id), turn-based calls into the app, timers
// that live with the activation, idle and rebalance deactivation with drain.
import { randomUUID } from "node:crypto";
import type { AppChannel } from "../../app-channel/app-channel.js";
import { Errors } from "../../errors/catalog.js";
import type { Logger } from "../../log/logger.js";
import type { PolicySource } from "../../runtime/runtime-context.js";
import type { ScheduleTimes } from "../../util/duration.js";
import { configFor, type ActorConfig } from "./actor-config.js";
import { actorKey, reentrancyHeader, RetryRoutingError, type ActorCall, type ActorResponse } from "./actor-call.js";
import { ActorLock } from "./actor-lock.js";
import { actorMetrics } from "./actors-metrics.js";
import type { Membership } from "./placement/membership.js";
import { runSchedule } from "./schedule.js";

type State = "active" | "deactivating" | "gone";

class Activation {
  readonly lock = new ActorLock();
  readonly timers = new Map<string, () => void>();
  state: State = "active";
  lastUsed = performance.now();
  constructor(readonly type: string, readonly id: string, readonly key: string) {}
}

export interface TimerSpec {
  name: string;
  times: ScheduleTimes;
  /** The body the app receives: {callback, dueTime, period, data}. */
  body: Buffer;
}

export interface ActorHostDeps {
  appId: string;
  appChannel: AppChannel;
  membership: Membership;
  policies: PolicySource;
  logger: Logger;
  config: () => ActorConfig;
}

export class ActorHost {
  private readonly active = new Map<string, Activation>();
  private readonly activating = new Map<string, Promise<Activation>>();
  private readonly deactivating = new Map<string, Promise<void>>();
  private scan: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly d: ActorHostDeps) {}

  start(): void {
    this.scan ??= setInterval(() => this.deactivateIdle(), 1000);
    this.scan.unref();
  }

  counts(): { type: string; count: number }[] {
    const m = new Map<string, number>();
    for (const a of this.active.values()) m.set(a.type, (m.get(a.type) ?? 0) + 1);
    return [...m].map(([type, count]) => ({ type, count }));
  }

  isActive(type: string, id: string): boolean {
    return this.active.has(actorKey(type, id));
  }

  /** Runs `call` here, in the actor's turn. Throws RetryRoutingError when the actor must be found again. */
  async run(call: ActorCall): Promise<ActorResponse> {
    return this.runIn(await this.activate(call.type, call.id), call);
  }

  /**
   * Starts a timer on the actor's activation here (activating it if needed). It
   * fires into that activation only: once the activation deactivates or moves,
   * the timer is gone, as in Dapr, and never follows the actor to another host.
   */
  async createTimer(type: string, id: string, spec: TimerSpec): Promise<void> {
    const act = await this.activate(type, id);
    if (act.state !== "active") throw new RetryRoutingError(`actor ${act.key} is deactivating`);
    act.timers.get(spec.name)?.();
    const labels = { app_id: this.d.appId, actor_type: type };
    const call: ActorCall = { type, id, method: `timer/${spec.name}`, body: spec.body, contentType: "application/json", headers: {} };
    const stop = runSchedule(
      spec.times,
      async () => {
        if (act.state !== "active" || this.active.get(act.key) !== act) return false;
        actorMetrics.timersFired.inc(labels);
        try {
          await this.runIn(act, call);
        } catch (err) {
          // The activation left while the firing waited for its turn: the timer ends with it.
          if (err instanceof RetryRoutingError) return false;
          this.d.logger.warn("actor timer firing failed", { actor: act.key, timer: spec.name, error: (err as Error).message });
        }
        return true;
      },
      () => {
        if (act.timers.get(spec.name) === stop) {
          act.timers.delete(spec.name);
          actorMetrics.timers.dec(labels);
        }
      },
    );
    if (!act.timers.has(spec.name)) actorMetrics.timers.inc(labels);
    act.timers.set(spec.name, stop);
  }

  deleteTimer(type: string, id: string, name: string): void {
    const act = this.active.get(actorKey(type, id));
    const stop = act?.timers.get(name);
    if (!act || !stop) return;
    stop();
    act.timers.delete(name);
    actorMetrics.timers.dec({ app_id: this.d.appId, actor_type: type });
  }

  /** Deactivates every actor `keep` rejects (placement moved them), draining calls first. */
  async rebalance(keep: (type: string, id: string) => boolean): Promise<void> {
    const moving = [...this.active.values()].filter((a) => a.state === "active" && !keep(a.type, a.id));
    await Promise.all(moving.map((a) => {
      actorMetrics.rebalanced.inc({ app_id: this.d.appId, actor_type: a.type });
      return this.deactivate(a, { release: true });
    }));
  }

  /**
   * Deactivates everything. `release` false when the membership was lost: the
   * claims may already belong to other hosts and must not be touched.
   */
  async deactivateAll(release: boolean, maxDrainMs?: number): Promise<void> {
    await Promise.all([...this.active.values()].map((a) => this.deactivate(a, { release, maxDrainMs })));
  }

  /** Shutdown: drains (at most `maxDrainMs`, the sidecar's grace period) and deactivates every actor. */
  async close(maxDrainMs?: number): Promise<void> {
    this.closed = true;
    clearInterval(this.scan);
    await this.deactivateAll(true, maxDrainMs);
  }

  private async activate(type: string, id: string): Promise<Activation> {
    const key = actorKey(type, id);
    for (;;) {
      const existing = this.active.get(key);
      if (existing) return existing;
      if (this.closed) throw new RetryRoutingError("this host is shutting down");
      // A deactivation in progress still holds the claim: let it finish first,
      // or its release would drop the new activation's claim.
      const leaving = this.deactivating.get(key);
      if (leaving) {
        await leaving;
        continue;
      }
      let pending = this.activating.get(key);
      if (!pending) {
        pending = this.claim(type, id, key).finally(() => this.activating.delete(key));
        this.activating.set(key, pending);
      }
      return pending;
    }
  }

  /** One call in `act`'s turn; the activation must still be live when the turn comes. */
  private async runIn(act: Activation, call: ActorCall): Promise<ActorResponse> {
    const cfg = configFor(this.d.config(), call.type);
    let chain: string | undefined;
    const headers = { ...call.headers };
    if (cfg.reentrancy.enabled) {
      chain = headers[reentrancyHeader] || randomUUID();
      headers[reentrancyHeader] = chain;
    }
    const labels = { app_id: this.d.appId, actor_type: call.type };
    actorMetrics.pendingCalls.inc(labels);
    let release: () => void;
    try {
      release = await act.lock.acquire(chain, cfg.reentrancy.maxStackDepth);
    } finally {
      actorMetrics.pendingCalls.dec(labels);
    }
    try {
      if (act.state !== "active") throw new RetryRoutingError(`actor ${act.key} was deactivated`);
      if (!this.d.membership.healthy()) throw new RetryRoutingError("placement membership is not confirmed");
      act.lastUsed = performance.now();
      return await this.callApp({ ...call, headers });
    } finally {
      act.lastUsed = performance.now();
      release();
    }
  }

  private async claim(type: string, id: string, key: string): Promise<Activation> {
    if (!this.d.membership.healthy()) throw new RetryRoutingError("placement membership is not confirmed");
    const holder = await this.d.membership.claim(key);
    if (holder !== undefined) throw new RetryRoutingError(`actor ${key} is still active on host ${holder}`);
    const act = new Activation(type, id, key);
    this.active.set(key, act);
    actorMetrics.activated.inc({ app_id: this.d.appId, actor_type: type });
    return act;
  }

  private async callApp(call: ActorCall): Promise<ActorResponse> {
    const path = `actors/${encodeURIComponent(call.type)}/${encodeURIComponent(call.id)}/method/${call.method.split("/").map(encodeURIComponent).join("/")}`;
    const policy = this.d.policies.actorPolicy(call.type, call.id);
    const res = await policy.run(
      () => this.d.appChannel.invoke({ method: path, verb: "PUT", query: "", headers: call.headers, body: call.body, contentType: call.contentType }),
      // 404 means the method does not exist: permanent, never retried.
      { classify: (r) => (r.status >= 500 ? { httpStatus: r.status } : undefined), isRetriable: (_e, r) => r?.status !== 404 },
    ).catch((err: Error) => {
      throw Errors.actorInvokeMethod(err.message);
    });
    return { status: res.status, headers: res.headers, body: res.body, contentType: res.contentType };
  }

  private deactivateIdle(): void {
    const now = performance.now();
    const cfg = this.d.config();
    for (const a of this.active.values()) {
      if (a.state !== "active" || a.lock.busy) continue;
      if (now - a.lastUsed >= configFor(cfg, a.type).idleTimeoutMs) void this.deactivate(a, { release: true });
    }
  }

  private deactivate(a: Activation, o: { release: boolean; maxDrainMs?: number }): Promise<void> {
    const running = this.deactivating.get(a.key);
    if (running) return running;
    if (a.state !== "active") return Promise.resolve();
    const done = this.doDeactivate(a, o).finally(() => this.deactivating.delete(a.key));
    this.deactivating.set(a.key, done);
    return done;
  }

  private stopTimers(a: Activation): void {
    for (const stop of a.timers.values()) {
      stop();
      actorMetrics.timers.dec({ app_id: this.d.appId, actor_type: a.type });
    }
    a.timers.clear();
  }

  private async doDeactivate(a: Activation, o: { release: boolean; maxDrainMs?: number }): Promise<void> {
    const cfg = configFor(this.d.config(), a.type);
    // Timers stop as soon as the actor is leaving, before the drain: a move must not fire them again here.
    this.stopTimers(a);
    // Drain: take the actor's turn behind every call already queued.
    let release: (() => void) | undefined;
    const turn = a.lock.acquire();
    const timedOut = Symbol();
    let drainTimer: NodeJS.Timeout | undefined;
    const got = await Promise.race([turn, new Promise<symbol>((r) => (drainTimer = setTimeout(() => r(timedOut), Math.min(cfg.drainOngoingCallTimeoutMs, o.maxDrainMs ?? Infinity))))]);
    clearTimeout(drainTimer);
    if (got === timedOut) {
      this.d.logger.warn("actor calls did not drain in time; deactivating anyway", { actor: a.key });
      void turn.then((r) => r());
    } else {
      release = got as () => void;
    }
    a.state = "deactivating";
    this.stopTimers(a); // any a drained call registered
    const labels = { app_id: this.d.appId, actor_type: a.type };
    try {
      const r = await this.d.appChannel.invoke({
        method: `actors/${encodeURIComponent(a.type)}/${encodeURIComponent(a.id)}`, verb: "DELETE", query: "", headers: {}, body: Buffer.alloc(0),
      });
      if (r.status >= 400 && r.status !== 404) throw new Error(`app answered ${r.status}`);
      actorMetrics.deactivated.inc(labels);
    } catch (err) {
      actorMetrics.deactivatedFailed.inc(labels);
      this.d.logger.warn("actor deactivation call failed", { actor: a.key, error: (err as Error).message });
    }
    this.active.delete(a.key);
    if (o.release) {
      await this.d.membership.release(a.key).catch((err: Error) => {
        this.d.logger.warn("releasing the actor's placement claim failed; it lapses with this host", { actor: a.key, error: err.message });
      });
    }
    a.state = "gone";
    release?.();
  }
}
