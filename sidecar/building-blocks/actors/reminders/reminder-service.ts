// Reminders: the API operations (create, get, list, delete) over the durable
// store, and the firing of every reminder whose actor placement puts on THIS
// host. Hosts learn about changes through a placement broadcast
// (`reminders:<type>|<origin>`), their own writes, a placement table change, or a periodic reload.
// A firing goes through `fire`, which runs it on the actor's owner (forwarding
// it with CallActorReminder when placement moved the actor meanwhile).
import { Errors, DaprError } from "../../../errors/catalog.js";
import type { Logger } from "../../../log/logger.js";
import { DurationError, formatRfc3339, parseRfc3339, parseScheduleTimes, type ScheduleTimes } from "../../../util/duration.js";
import { actorMetrics } from "../actors-metrics.js";
import { catchUpUpcoming, runSchedule } from "../schedule.js";
import type { FiringOutcome, ReminderFiring } from "./reminder-firing.js";
import type { ReminderStore, StoredReminder } from "./reminder-store.js";

export interface ReminderInput {
  dueTime?: string;
  period?: string;
  ttl?: string;
  data?: unknown;
}

export interface ReminderServiceDeps {
  appId: string;
  /** This host's placement id: its own change announcements need no reload. */
  selfId: string;
  store: ReminderStore;
  logger: Logger;
  /** True when placement puts `type/id` on this host. */
  isLocal: (type: string, id: string) => boolean;
  /** The types this host's app serves (reminders of other types are never fired here). */
  hostedTypes: () => string[];
  /** Runs one firing wherever the actor lives; rejects when the app refused it or no host answered. */
  fire: (f: ReminderFiring) => Promise<FiringOutcome>;
  broadcast: (topic: string) => Promise<void>;
}

interface Running {
  signature: string;
  stop: () => void;
}

const reloadEveryMs = 10_000;

export function reminderTimes(r: StoredReminder): ScheduleTimes {
  return parseScheduleTimes("reminder", r.name, r, parseRfc3339(r.registeredTime));
}

export class ReminderService {
  private readonly cache = new Map<string, StoredReminder[]>();
  private readonly running = new Map<string, Running>();
  private readonly reloading = new Map<string, { again: boolean; done: Promise<void> }>();
  private reloadTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  /** Placement decisions per reminder actor, valid until the table changes. */
  private readonly localMemo = new Map<string, boolean>();

  constructor(private readonly d: ReminderServiceDeps) {
    // What this host wrote is already known: update the cache without reading it back.
    d.store.onWritten((type, list) => {
      if (!this.d.hostedTypes().includes(type)) return;
      this.cache.set(type, list);
      this.reconcile(type);
    });
  }

  async create(type: string, id: string, name: string, input: ReminderInput, overwrite = false): Promise<void> {
    if (!name) throw Errors.actorReminderBadRequest("reminder name is required");
    const now = new Date();
    const candidate: StoredReminder = {
      actorID: id, actorType: type, name, data: input.data,
      dueTime: input.dueTime || undefined, period: input.period || undefined, ttl: input.ttl || undefined,
      registeredTime: now.toISOString(),
    };
    try {
      parseScheduleTimes("reminder", name, candidate, now);
    } catch (err) {
      if (err instanceof DurationError) throw Errors.actorReminderBadRequest(err.message);
      throw err;
    }
    await this.d.store.mutate(type, (list) => {
      const i = list.findIndex((r) => r.actorID === id && r.name === name);
      if (i >= 0) {
        if (sameDefinition(list[i]!, candidate)) return list; // idempotent re-registration
        if (!overwrite) throw Errors.actorReminderConflict(name);
        return list.map((r, j) => (j === i ? candidate : r));
      }
      return [...list, candidate];
    }).catch((err) => {
      throw err instanceof DaprError ? err : Errors.actorReminderCreate((err as Error).message);
    });
    await this.changed(type);
  }

  async get(type: string, id: string, name: string): Promise<StoredReminder> {
    const list = await this.d.store.list(type).catch((err: Error) => {
      throw Errors.actorReminderGet(err.message);
    });
    const r = list.find((x) => x.actorID === id && x.name === name);
    if (!r) throw Errors.actorReminderNotFound(name);
    return r;
  }

  async list(type: string, id?: string): Promise<StoredReminder[]> {
    const list = await this.d.store.list(type).catch((err: Error) => {
      throw Errors.actorReminderGet(err.message);
    });
    return id === undefined ? list : list.filter((r) => r.actorID === id);
  }

  async delete(type: string, id: string, name: string): Promise<void> {
    await this.remove(type, (r) => r.actorID === id && r.name === name);
  }

  /** Deletes every reminder of a type, or of one actor of it. */
  async deleteAll(type: string, id?: string): Promise<void> {
    await this.remove(type, (r) => id === undefined || r.actorID === id);
  }

  /** Starts firing: loads every hosted type now and again every few seconds. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.reloadAll();
    this.reloadTimer ??= setInterval(() => void this.reloadAll(), reloadEveryMs);
    this.reloadTimer.unref();
  }

  /** Placement changed: start the reminders that moved here, stop those that left. */
  placementChanged(): void {
    this.localMemo.clear();
    for (const type of this.cache.keys()) this.reconcile(type);
    void this.reloadAll();
  }

  /** A broadcast from any host: `reminders:<type>|<origin host>` changed. */
  onBroadcast(topic: string): void {
    if (!topic.startsWith("reminders:")) return;
    const rest = topic.slice("reminders:".length);
    const bar = rest.lastIndexOf("|");
    const type = bar >= 0 ? rest.slice(0, bar) : rest;
    if (bar >= 0 && rest.slice(bar + 1) === this.d.selfId) return; // our own write: cache already updated
    if (this.d.hostedTypes().includes(type)) void this.reload(type);
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.reloadTimer);
    this.reloadTimer = undefined;
    for (const r of this.running.values()) r.stop();
    this.running.clear();
  }

  private async remove(type: string, match: (r: StoredReminder) => boolean): Promise<void> {
    await this.d.store.mutate(type, (list) => (list.some(match) ? list.filter((r) => !match(r)) : list)).catch((err: Error) => {
      throw Errors.actorReminderDelete(err.message);
    });
    await this.changed(type);
  }

  private async changed(type: string): Promise<void> {
    await this.d.broadcast(`reminders:${type}|${this.d.selfId}`).catch((err: Error) => {
      this.d.logger.warn("could not announce a reminder change; other hosts pick it up on their next reload", { error: err.message });
    });
  }

  private async reloadAll(): Promise<void> {
    const types = this.d.hostedTypes();
    for (const t of this.cache.keys()) if (!types.includes(t)) this.cache.delete(t);
    await Promise.all(types.map((t) => this.reload(t)));
  }

  /**
   * Reloads a type's reminders. Changes arrive in bursts (one broadcast per
   * registration): while a reload runs, further requests collapse into one
   * more reload after it, so a burst costs two reads, not one per change.
   */
  private reload(type: string): Promise<void> {
    const running = this.reloading.get(type);
    if (running) {
      running.again = true;
      return running.done;
    }
    const entry = { again: false, done: Promise.resolve() };
    entry.done = (async () => {
      do {
        entry.again = false;
        await this.reloadOnce(type);
      } while (entry.again);
    })().finally(() => this.reloading.delete(type));
    this.reloading.set(type, entry);
    return entry.done;
  }

  private async reloadOnce(type: string): Promise<void> {
    try {
      this.cache.set(type, await this.d.store.list(type));
    } catch (err) {
      this.d.logger.warn("could not load reminders", { actor_type: type, error: (err as Error).message });
      return;
    }
    this.reconcile(type);
  }

  private reconcile(type: string): void {
    if (this.stopped) return;
    const wanted = new Map<string, StoredReminder>();
    for (const r of this.cache.get(type) ?? []) {
      const k = runKey(r);
      let local = this.localMemo.get(k);
      if (local === undefined) {
        local = this.d.isLocal(type, r.actorID);
        this.localMemo.set(k, local);
      }
      if (local) wanted.set(k, r);
    }
    for (const [k, run] of this.running) {
      if (!k.startsWith(`${type}||`)) continue;
      const r = wanted.get(k);
      if (!r || signature(r) !== run.signature) {
        run.stop();
        this.running.delete(k);
      }
    }
    for (const [k, r] of wanted) if (!this.running.has(k)) this.schedule(k, r);
    actorMetrics.reminders.set({ app_id: this.d.appId, actor_type: type }, [...this.running.keys()].filter((k) => k.startsWith(`${type}||`)).length);
  }

  private schedule(k: string, r: StoredReminder): void {
    let times: ScheduleTimes;
    try {
      times = reminderTimes(r);
    } catch (err) {
      this.d.logger.warn("skipping a stored reminder with an invalid schedule", { reminder: k, error: (err as Error).message });
      return;
    }
    const state = catchUpUpcoming(times, new Date(), r.fired ?? 0);
    let fired = r.fired ?? 0;
    const firing: ReminderFiring = { type: r.actorType, id: r.actorID, name: r.name, data: r.data, dueTime: r.dueTime ?? "", period: r.period ?? "" };
    const finite = !times.period || times.period.repetitions !== -1;
    const stop = runSchedule(
      times,
      async () => {
        actorMetrics.remindersFired.inc({ app_id: this.d.appId, actor_type: r.actorType });
        let outcome: FiringOutcome = "done";
        try {
          outcome = await this.d.fire(firing);
        } catch (err) {
          // As in Dapr, a failed firing still counts: the schedule moves on to its next period.
          this.d.logger.warn("reminder firing failed", { reminder: k, error: (err as Error).message });
        }
        if (outcome === "cancelled") {
          await this.ended(r, "cancelled by the app");
          return false;
        }
        fired++;
        if (finite && times.period) await this.recordFiring(r, fired);
        return true;
      },
      () => void this.ended(r, "schedule complete"),
      state,
    );
    this.running.set(k, { signature: signature(r), stop });
  }

  /** A finished one-shot or repetition-limited reminder, or one the app cancelled, is deleted. */
  private async ended(r: StoredReminder, why: string): Promise<void> {
    const k = runKey(r);
    const run = this.running.get(k);
    if (run?.signature !== signature(r)) return;
    run.stop();
    this.running.delete(k);
    this.d.logger.debug?.("reminder ended", { reminder: k, reason: why });
    await this.d.store.mutate(r.actorType, (list) => list.filter((x) => !(x.actorID === r.actorID && x.name === r.name && x.registeredTime === r.registeredTime)))
      .catch((err: Error) => this.d.logger.warn("could not delete a finished reminder", { reminder: k, error: err.message }));
    await this.changed(r.actorType);
  }

  private async recordFiring(r: StoredReminder, fired: number): Promise<void> {
    await this.d.store.mutate(r.actorType, (list) => list.map((x) =>
      x.actorID === r.actorID && x.name === r.name && x.registeredTime === r.registeredTime ? { ...x, fired } : x,
    )).catch(() => {});
  }
}

function runKey(r: StoredReminder): string {
  return `${r.actorType}||${r.actorID}||${r.name}`;
}

/** What identifies a schedule: a re-registration with other times restarts it; the firing count does not. */
function signature(r: StoredReminder): string {
  return JSON.stringify([r.registeredTime, r.dueTime, r.period, r.ttl, r.data]);
}

function sameDefinition(a: StoredReminder, b: StoredReminder): boolean {
  return JSON.stringify([a.dueTime ?? "", a.period ?? "", a.ttl ?? "", a.data]) === JSON.stringify([b.dueTime ?? "", b.period ?? "", b.ttl ?? "", b.data]);
}

export function reminderView(r: StoredReminder): { dueTime?: string; period?: string; ttl?: string; data?: unknown; registeredTime: string } {
  return { dueTime: r.dueTime, period: r.period, ttl: r.ttl, data: r.data, registeredTime: formatRfc3339(parseRfc3339(r.registeredTime)) };
}
