// The actors building block, once for both transports: routing each call to
// the host placement chooses (here, or another sidecar over the internal
// port), state, timers and reminders. HTTP and gRPC adapters only map to this.
import { randomUUID } from "node:crypto";
import type { AppChannel } from "../../app-channel/app-channel.js";
import { DaprError, Errors } from "../../errors/catalog.js";
import type { RuntimeContext } from "../../runtime/runtime-context.js";
import { DurationError, parseScheduleTimes } from "../../util/duration.js";
import { parseActorConfig, type ActorConfig } from "./actor-config.js";
import { actorKey, RetryRoutingError, type ActorCall, type ActorResponse } from "./actor-call.js";
import { ActorHost } from "./actor-host.js";
import { ActorState, findActorStateStore, type ActorStateOp } from "./actor-state.js";
import { InternalActorClient } from "./actors-internal-grpc.js";
import { actorMetrics } from "./actors-metrics.js";
import type { HostInfo, Membership } from "./placement/membership.js";
import { PlacementTable } from "./placement/placement-table.js";
import { firingCall, firingOutcome, type FiringOutcome, type ReminderFiring } from "./reminders/reminder-firing.js";
import { ReminderService, type ReminderInput } from "./reminders/reminder-service.js";
import { ReminderStore, type StoredReminder } from "./reminders/reminder-store.js";

export interface TimerInput {
  dueTime?: string;
  period?: string;
  ttl?: string;
  callback?: string;
  data?: unknown;
}

export interface ActorsCoreOptions {
  rt: RuntimeContext;
  membership: Membership;
  appChannel?: AppChannel;
  /** The bound internal gRPC port (0 until the server listens). */
  internalPort: () => number;
  /** The address other sidecars use to reach this one (default 127.0.0.1). */
  hostAddress?: string;
  /** How long a call keeps looking for its actor's host while placement settles. */
  routingBudgetMs?: number;
  /** The longest a shutdown waits for an actor's calls to drain (the sidecar's grace period). */
  shutdownDrainMs?: number;
}

type RuntimeStatus = "INITIALIZING" | "DISABLED" | "RUNNING";

export class ActorsCore {
  readonly selfId: string;
  private readonly state: ActorState;
  private readonly reminders: ReminderService;
  private readonly remote = new InternalActorClient();
  private readonly host?: ActorHost;
  private config: ActorConfig = parseActorConfig({});
  private table = new PlacementTable(0, []);
  private status: RuntimeStatus = "INITIALIZING";
  private joined: Promise<void> | undefined;
  private stopping = false;

  constructor(private readonly o: ActorsCoreOptions) {
    const rt = o.rt;
    this.selfId = `${rt.appId}/${randomUUID()}`;
    this.state = new ActorState(rt.hub, rt.appId);
    const log = rt.logger.child("actors");
    if (o.appChannel) {
      this.host = new ActorHost({
        appId: rt.appId, appChannel: o.appChannel, membership: o.membership, policies: rt.policies, logger: log, config: () => this.config,
      });
    }
    this.reminders = new ReminderService({
      appId: rt.appId,
      selfId: this.selfId,
      store: new ReminderStore(() => this.state.store()),
      logger: log,
      isLocal: (type, id) => this.table.lookup(type, id)?.id === this.selfId,
      hostedTypes: () => this.config.entities,
      fire: (f) => this.fireReminder(f),
      broadcast: (topic) => o.membership.broadcast(topic),
    });
    o.membership.onChange(() => this.tableChanged());
    o.membership.onFenced(() => void this.host?.deactivateAll(false));
    o.membership.onBroadcast((topic) => this.reminders.onBroadcast(topic));
  }

  // ---- lifecycle ----

  /** Joins placement with no hosted types, so this sidecar can route calls before (or without) an app. */
  ensureJoined(): Promise<void> {
    this.joined ??= this.join([]).catch((err) => {
      this.joined = undefined;
      throw err;
    });
    return this.joined;
  }

  /** Reads the app's actor configuration and starts hosting its types. */
  async appReady(configBody: unknown): Promise<void> {
    const log = this.o.rt.logger.child("actors");
    this.config = parseActorConfig(configBody, (w) => log.warn("actor configuration", { problem: w }));
    if (this.config.entities.length === 0) {
      this.status = "RUNNING";
      await this.ensureJoined();
      return;
    }
    if (!findActorStateStore(this.o.rt.hub)) {
      log.error("the app hosts actors but no state store has actorStateStore set to true; actor state and reminders will fail");
    }
    const start = async () => {
      await this.ensureJoined();
      await this.join(this.config.entities);
      this.host?.start();
      await this.reminders.start();
      this.status = "RUNNING";
      log.info("actor runtime started", { entities: this.config.entities, placement: this.o.membership.description });
    };
    try {
      await start();
    } catch (err) {
      // Placement unreachable (e.g. Redis down at start-up): keep trying in the background,
      // so the sidecar still becomes ready for everything else.
      log.error("actor runtime could not join placement; retrying every 2 s", { error: (err as Error).message });
      void (async () => {
        while (!this.stopping && this.status !== "RUNNING") {
          await new Promise((r) => setTimeout(r, 2000));
          if (this.stopping) return;
          await start().catch(() => {});
        }
      })();
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.reminders.stop();
    // Drain and deactivate first, then leave: until we leave, no other host can claim our actors.
    await this.host?.close(this.o.shutdownDrainMs);
    await this.o.membership.close().catch(() => {});
    this.remote.close();
  }

  runtimeInfo() {
    return {
      runtimeStatus: this.status,
      activeActors: this.host?.counts() ?? [],
      hostReady: this.status === "RUNNING" && this.o.membership.healthy(),
      placement: `${this.o.membership.description}, table version ${this.table.version}`,
    };
  }

  // ---- method invocation ----

  /** A call from an API: found through placement, run wherever the actor lives. */
  async invoke(call: ActorCall): Promise<ActorResponse> {
    if (!call.type || !call.id) throw Errors.malformedRequest("actor type and id are required");
    return this.routed(call.type, call.id, () => this.runHere(call), (address) => this.remote.call(address, call));
  }

  /** Runs the call on this host when placement says so; otherwise asks the caller to route again. */
  runHere(call: ActorCall): Promise<ActorResponse> {
    if (!this.host || this.stopping) return Promise.reject(new RetryRoutingError("this sidecar does not host actors now"));
    const owner = this.table.lookup(call.type, call.id);
    if (owner?.id !== this.selfId) return Promise.reject(new RetryRoutingError(`actor ${actorKey(call.type, call.id)} is not placed on this host`));
    return this.host.run(call);
  }

  /**
   * A reminder is due: run it on the actor's owner. When that is another host
   * (placement changed while the firing was under way), the firing is
   * forwarded with CallActorReminder, as Dapr does. Rejects when the app
   * refused the firing or no owner answered in time.
   */
  fireReminder(f: ReminderFiring): Promise<FiringOutcome> {
    return this.routed(f.type, f.id, async () => firingOutcome(await this.runHere(firingCall(f))), (address) => this.remote.callReminder(address, f));
  }

  /** A firing another sidecar forwarded: run here or refuse, never forward again (no ping-pong between stale tables). */
  async runReminderHere(f: ReminderFiring): Promise<FiringOutcome> {
    return firingOutcome(await this.runHere(firingCall(f)));
  }

  /** Finds the actor's owner and runs `here` or `there`, routing again while placement settles. */
  private async routed<T>(type: string, id: string, here: () => Promise<T>, there: (address: string) => Promise<T>): Promise<T> {
    await this.ensureJoined().catch((err: Error) => {
      throw Errors.actorRuntimeNotFound(`placement is unavailable: ${err.message}`);
    });
    const deadline = performance.now() + (this.o.routingBudgetMs ?? 30_000);
    let delay = 5;
    for (;;) {
      const owner = this.table.lookup(type, id);
      if (!owner) throw Errors.actorNoAddress(type, id);
      try {
        return owner.id === this.selfId ? await here() : await there(owner.address);
      } catch (err) {
        if (!(err instanceof RetryRoutingError)) throw err;
        if (performance.now() > deadline) throw Errors.actorInvokeMethod(`could not reach the host of actor ${type}/${id}: ${err.message}`);
      }
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 200);
    }
  }

  // ---- state ----

  async getState(type: string, id: string, key: string): Promise<{ data: Buffer; metadata?: Record<string, string> } | undefined> {
    this.requireHostedHere(type, id);
    return this.state.get(type, id, key);
  }

  async transaction(type: string, id: string, ops: ActorStateOp[]): Promise<void> {
    this.requireHostedHere(type, id);
    await this.state.transaction(type, id, ops);
  }

  // ---- timers (live with the activation, so only on the actor's host) ----

  /**
   * As in Dapr, only the host that owns the actor takes its timers: another
   * sidecar answers ERR_ACTOR_TIMER_CREATE rather than forwarding (Dapr has no
   * RPC to register a timer elsewhere, and a timer must die with its activation).
   */
  async createTimer(type: string, id: string, name: string, input: TimerInput): Promise<void> {
    if (!type || !id) throw Errors.malformedRequest("actor type and id are required");
    if (!name) throw Errors.actorTimerCreate("timer name is required");
    if (!this.host || !this.config.entities.includes(type)) throw Errors.actorTimerTypeNotHosted(type, id);
    let times;
    try {
      times = parseScheduleTimes("timer", name, input);
    } catch (err) {
      if (err instanceof DurationError) throw Errors.actorTimerCreate(err.message);
      throw err;
    }
    const body = Buffer.from(JSON.stringify({ callback: input.callback ?? "", dueTime: input.dueTime ?? "", period: input.period ?? "", data: input.data }));
    // The owner may still be waiting for the previous host to hand the actor over: retry while placement keeps it here.
    const deadline = performance.now() + (this.o.routingBudgetMs ?? 30_000);
    for (let delay = 5; ; delay = Math.min(delay * 2, 200)) {
      if (this.stopping || this.table.lookup(type, id)?.id !== this.selfId) throw Errors.actorTimerNotOwned();
      try {
        await this.host.createTimer(type, id, { name, times, body });
        return;
      } catch (err) {
        if (!(err instanceof RetryRoutingError)) throw err;
        if (performance.now() > deadline) throw Errors.actorTimerCreate(err.message);
      }
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  /** Like Dapr, deleting a timer this host does not hold succeeds and does nothing. */
  async deleteTimer(type: string, id: string, name: string): Promise<void> {
    this.host?.deleteTimer(type, id, name);
  }

  // ---- reminders (durable, shared by every host of the type) ----

  async createReminder(type: string, id: string, name: string, input: ReminderInput, overwrite = false): Promise<void> {
    this.requireTypeHostedByApp(type);
    await this.reminders.create(type, id, name, input, overwrite);
  }

  getReminder(type: string, id: string, name: string): Promise<StoredReminder> {
    return this.reminders.get(type, id, name);
  }

  listReminders(type: string, id?: string): Promise<StoredReminder[]> {
    return this.reminders.list(type, id);
  }

  async deleteReminder(type: string, id: string, name: string): Promise<void> {
    this.requireTypeHostedByApp(type);
    await this.reminders.delete(type, id, name);
  }

  async deleteRemindersByType(type: string, id?: string): Promise<void> {
    this.requireTypeHostedByApp(type);
    await this.reminders.deleteAll(type, id);
  }

  // ---- internals ----

  private async join(entities: string[]): Promise<void> {
    const port = await waitFor(this.o.internalPort);
    const self: HostInfo = { id: this.selfId, appId: this.o.rt.appId, address: `${this.o.hostAddress ?? "127.0.0.1"}:${port}`, entities };
    await this.o.membership.join(self);
    this.tableChanged();
  }

  private tableChanged(): void {
    this.table = new PlacementTable(this.o.membership.version(), this.o.membership.hosts());
    for (const t of this.config.entities) actorMetrics.tableOperations.inc({ app_id: this.o.rt.appId, actor_type: t, operation: "update" });
    void this.host?.rebalance((type, id) => this.table.lookup(type, id)?.id === this.selfId);
    this.reminders.placementChanged();
  }

  private requireHostedHere(type: string, id: string): void {
    if (!type || !id) throw Errors.malformedRequest("actor type and id are required");
    // An actor draining here after a table change still owns its state until it deactivates.
    if (this.table.lookup(type, id)?.id !== this.selfId && !this.host?.isActive(type, id)) throw Errors.actorInstanceMissing();
  }

  private requireTypeHostedByApp(type: string): void {
    if (!type) throw Errors.malformedRequest("actor type is required");
    if (!this.config.entities.includes(type)) throw Errors.actorReminderNonHosted(type);
  }
}

async function waitFor(port: () => number): Promise<number> {
  for (let i = 0; i < 2000; i++) {
    const p = port();
    if (p) return p;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new DaprError("ERR_ACTOR_RUNTIME_NOT_FOUND", "the internal gRPC port never opened", 500, 13);
}
