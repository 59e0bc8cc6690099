// The workflow engine: event-sourced instances whose orchestrator code runs in
// the app's worker (the SDK replays history and answers with actions). Every
// change to an instance is one ETag-guarded store transaction, serialized per
// instance in this process; side effects (work dispatch, timers, children,
// parent notification) run only after the change is durable and only on the
// sidecar that owns the instance.
import { randomUUID } from "node:crypto";
import { Errors } from "../../errors/catalog.js";
import type { Logger } from "../../log/logger.js";
import { daprStatusName, isTerminal, newEvent, sv, timestamp, type ParentInstance } from "./history.js";
import type { InstanceMetadata, InstanceState } from "./instance-state.js";
import { cloneState } from "./instance-state.js";
import { applyTurn, type ActivityResponse, type Change, type Effects, type OrchestratorResponse, type Turn } from "./apply-turn.js";
import { IndexWriter } from "./index-writer.js";
import { pendingWork } from "./pending-work.js";
import { WorkDispatcher } from "./work-dispatcher.js";
import { workflowMetrics } from "./workflow-metrics.js";
import { ConcurrentUpdateError, type WorkflowStore } from "./workflow-store.js";

export interface StartRequest {
  instanceId?: string;
  name: string;
  input?: string;
  startAt?: number;
  parent?: ParentInstance;
}

export interface EngineOptions {
  store: WorkflowStore;
  hostId: () => string;
  appId: string;
  namespace: string;
  log: Logger;
  /** How often ownership leases are renewed and the index is swept (ms). */
  sweepIntervalMs?: number;
}

export class WorkflowEngine {
  readonly dispatcher: WorkDispatcher;
  private readonly store: WorkflowStore;
  private readonly index: IndexWriter;
  private readonly log: Logger;
  private readonly cache = new Map<string, InstanceState>();
  private readonly chains = new Map<string, Promise<unknown>>();
  private readonly turns = new Map<string, Turn>();
  /** Activities whose answer is being saved (work-item keys). */
  private readonly answered = new Set<string>();
  /** Instances whose last turn's answer is being saved. */
  private readonly applying = new Set<string>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly listeners = new Map<string, Set<(m: InstanceMetadata | undefined) => void>>();
  private readonly activityStarted = new Map<string, number>();
  private readonly hostLiveness = new Map<string, { alive: boolean; checkedAt: number }>();
  /** ETag reads started right after a save, so the next write of the instance need not wait for one. */
  private readonly etagFetches = new Map<string, Promise<void>>();
  private sweepTimer?: NodeJS.Timeout;
  private stopped = false;
  private readonly leaseMs: number;
  private readonly sweepMs: number;

  constructor(private readonly o: EngineOptions) {
    this.store = o.store;
    this.log = o.log;
    this.index = new IndexWriter(o.store, o.log);
    this.dispatcher = new WorkDispatcher(100, (n) => workflowMetrics.workers.set({ app_id: o.appId }, n));
    this.sweepMs = o.sweepIntervalMs ?? 2000;
    this.leaseMs = this.sweepMs * 3;
  }

  private get me(): string {
    return this.o.hostId();
  }

  /** Starts heartbeats and recovery: every active instance this host may own resumes. */
  start(): void {
    const loop = async () => {
      if (this.stopped) return;
      try {
        await this.store.heartbeat(this.me, Date.now() + this.leaseMs);
        await this.sweep();
      } catch (err) {
        this.log.warn("workflow sweep failed", { error: (err as Error).message });
      }
      if (!this.stopped) this.sweepTimer = setTimeout(loop, this.sweepMs);
    };
    void loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.sweepTimer);
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.dispatcher.closeAll();
    await Promise.allSettled([...this.chains.values()]);
  }

  // ---------------------------------------------------------------- commands

  async startInstance(req: StartRequest): Promise<string> {
    if (!req.name) throw Errors.workflowNameMissing();
    const id = req.instanceId || randomUUID();
    validateInstanceId(id);
    if (req.input !== undefined) validateJson("input", req.input);
    await this.index.add(id);
    const started = Date.now();
    await this.serial(id, async () => {
      // Optimistic: most ids are new, so try a create-only write first and read only when it collides.
      let existing: Awaited<ReturnType<WorkflowStore["loadMeta"]>> | "unknown" = this.cache.has(id) ? "unknown" : undefined;
      for (;;) {
        if (existing === "unknown") existing = await this.store.loadMeta(id);
        if (existing && !isTerminal(existing.meta.status)) throw Errors.workflowAlreadyExists(id);
        const now = Date.now();
        const executionId = randomUUID();
        const meta: InstanceMetadata = {
          instanceId: id, name: req.name, executionId, status: "ORCHESTRATION_STATUS_PENDING",
          createdAt: now, lastUpdatedAt: now, input: req.input, inbox: [], historyLength: 0, version: (existing?.meta.version ?? 0) + 1,
          owner: this.me, parent: req.parent, startAt: req.startAt,
        };
        meta.inbox.push(newEvent("executionStarted", {
          name: req.name, input: sv(req.input), orchestrationInstance: { instanceId: id, executionId: sv(executionId) },
          parentInstance: req.parent, scheduledStartTimestamp: req.startAt ? timestamp(req.startAt) : undefined,
        }, -1, now));
        const state: InstanceState = { meta, history: [] };
        try {
          await this.store.save(state, { create: !existing, expectedEtag: existing?.etag, firstNewIndex: 0, previousLength: existing?.meta.historyLength ?? 0 });
        } catch (err) {
          if (err instanceof ConcurrentUpdateError && !existing) {
            existing = "unknown";
            continue;
          }
          throw err;
        }
        this.dropLocal(id);
        state.etag = this.store.etagAfterSave(existing?.etag, !existing);
        this.cache.set(id, state);
        if (state.etag === undefined) this.prefetchEtag(state);
        this.notify(id, meta);
        this.activate(state);
        return;
      }
    });
    workflowMetrics.operation(this.o.appId, "create_workflow", true, Date.now() - started);
    return id;
  }

  async getInstance(instanceId: string): Promise<InstanceMetadata | undefined> {
    const cached = this.cache.get(instanceId);
    if (cached) return cached.meta;
    return (await this.store.loadMeta(instanceId))?.meta;
  }

  /** Full state including history (for the history command and tests). */
  async getHistory(instanceId: string): Promise<InstanceState | undefined> {
    return this.cache.get(instanceId) ?? this.store.load(instanceId);
  }

  async raiseEvent(instanceId: string, name: string, input?: string): Promise<void> {
    if (!name) throw Errors.workflowEventNameMissing();
    if (input !== undefined) validateJson("event data", input);
    await this.mutate(instanceId, (s) => {
      if (!s) throw Errors.workflowInstanceNotFound(instanceId);
      if (isTerminal(s.meta.status)) return undefined;
      s.meta.inbox.push(newEvent("eventRaised", { name, input: sv(input) }));
      return { state: s };
    }, "raise_event");
  }

  async terminate(instanceId: string, output?: string, recursive = true): Promise<void> {
    await this.mutate(instanceId, (s) => {
      if (!s) throw Errors.workflowInstanceNotFound(instanceId);
      if (isTerminal(s.meta.status)) return undefined;
      s.history.push(newEvent("executionTerminated", { input: sv(output), recurse: recursive }));
      s.history.push(newEvent("executionCompleted", { orchestrationStatus: "ORCHESTRATION_STATUS_TERMINATED", result: sv(output) }));
      s.meta.status = "ORCHESTRATION_STATUS_TERMINATED";
      s.meta.output = output;
      s.meta.inbox = [];
      return { state: s, effects: { finished: true, terminateChildren: recursive ? pendingWork(s).children.map((c) => c.instanceId) : [] } };
    }, "terminate_workflow");
  }

  async suspend(instanceId: string, reason?: string): Promise<void> {
    await this.mutate(instanceId, (s) => {
      if (!s) throw Errors.workflowInstanceNotFound(instanceId);
      if (isTerminal(s.meta.status) || s.meta.status === "ORCHESTRATION_STATUS_SUSPENDED") return undefined;
      s.meta.status = "ORCHESTRATION_STATUS_SUSPENDED";
      // Into the inbox, not history: the SDK buffers what follows until it sees the resume.
      s.meta.inbox.push(newEvent("executionSuspended", { input: sv(reason) }));
      return { state: s };
    }, "pause_workflow");
  }

  async resume(instanceId: string, reason?: string): Promise<void> {
    await this.mutate(instanceId, (s) => {
      if (!s) throw Errors.workflowInstanceNotFound(instanceId);
      if (s.meta.status !== "ORCHESTRATION_STATUS_SUSPENDED") return undefined;
      s.meta.status = s.history.length > 0 ? "ORCHESTRATION_STATUS_RUNNING" : "ORCHESTRATION_STATUS_PENDING";
      s.meta.inbox.push(newEvent("executionResumed", { input: sv(reason) }));
      return { state: s };
    }, "resume_workflow");
  }

  /** Deletes a finished instance and (recursively) its children. Returns how many instances were deleted. */
  async purge(instanceId: string): Promise<number> {
    const started = Date.now();
    const children = await this.serial(instanceId, async () => {
      const s = this.cache.get(instanceId) ?? await this.store.load(instanceId);
      if (!s) throw Errors.workflowInstanceNotFound(instanceId);
      if (!isTerminal(s.meta.status)) throw Errors.workflowPurgeNotTerminal(instanceId, daprStatusName(s.meta.status));
      const fresh = await this.store.loadMeta(instanceId);
      await this.store.delete(instanceId, Math.max(s.meta.historyLength, fresh?.meta.historyLength ?? 0), fresh?.etag);
      this.dropLocal(instanceId);
      this.cache.delete(instanceId);
      this.notify(instanceId, undefined);
      return s.history.flatMap((e) => (e.subOrchestrationInstanceCreated ? [e.subOrchestrationInstanceCreated.instanceId] : []));
    });
    void this.index.remove(instanceId).catch(() => {});
    let n = 1;
    for (const c of children) n += await this.purge(c).catch(() => 0);
    workflowMetrics.operation(this.o.appId, "purge_workflow", true, Date.now() - started);
    return n;
  }

  /** Resolves with the instance once `done` holds (or undefined if it vanished); rejects when `signal` aborts. */
  async waitFor(instanceId: string, done: (m: InstanceMetadata) => boolean, signal?: AbortSignal): Promise<InstanceMetadata | undefined> {
    const first = await this.getInstance(instanceId);
    if (!first || done(first)) return first;
    return new Promise((resolve, reject) => {
      const set = this.listeners.get(instanceId) ?? new Set();
      this.listeners.set(instanceId, set);
      const finish = (m: InstanceMetadata | undefined, err?: Error) => {
        set.delete(listener);
        if (set.size === 0) this.listeners.delete(instanceId);
        clearInterval(poll);
        signal?.removeEventListener("abort", onAbort);
        if (err) reject(err); else resolve(m);
      };
      const listener = (m: InstanceMetadata | undefined) => { if (!m || done(m)) finish(m); };
      set.add(listener);
      // Another sidecar may own the instance: its progress shows up only in the store.
      const poll = setInterval(() => {
        if (this.cache.has(instanceId)) return;
        this.store.loadMeta(instanceId).then((r) => listener(r?.meta), () => {});
      }, 1000);
      const onAbort = () => finish(undefined, new Error("wait cancelled"));
      signal?.addEventListener("abort", onAbort);
    });
  }

  // ------------------------------------------------------- worker completions

  async completeOrchestration(res: OrchestratorResponse): Promise<void> {
    const id = res.instanceId;
    const turn = this.turns.get(id);
    this.dispatcher.complete(`o|${id}`);
    if (!turn) return; // a late or duplicate answer: the turn was already applied or abandoned
    this.turns.delete(id);
    // No next turn until this one is applied: it would be built from an inbox
    // that still holds the events this turn consumed.
    this.applying.add(id);
    // Acknowledged before it is durable, on purpose: the SDK worker holds one of
    // its 10 slots until this call returns, and a turn lost to a crash is simply
    // replayed (its inbox events stay until the turn's result is saved).
    void this.mutate(id, (s) => (s ? applyTurn(s, turn, res) : undefined), "orchestrator_turn").then(
      () => {
        this.applying.delete(id);
        const s = this.cache.get(id);
        if (s) this.activate(s);
      },
      (err) => {
        this.applying.delete(id);
        this.log.error("saving a workflow turn failed; the turn will run again", { instance_id: id, error: (err as Error).message });
        const s = this.cache.get(id);
        if (s) setTimeout(() => this.activate(s), 1000).unref();
      },
    );
  }

  async completeActivity(res: ActivityResponse): Promise<void> {
    const id = res.instanceId;
    // The answer names no execution: find which one the work item was for.
    const keys = this.dispatcher.inFlightKeys((k) => k.startsWith(`a|${id}|`) && k.endsWith(`|${res.taskId}`));
    // Until the answer is saved the activity still looks pending in history:
    // keep it from being handed out again meanwhile.
    for (const k of keys) {
      this.answered.add(k);
      this.dispatcher.complete(k);
    }
    const key = keys[0];
    const execId = key?.split("|")[2];
    const startedAt = key ? this.activityStarted.get(key) : undefined;
    if (key) this.activityStarted.delete(key);
    try {
      await this.recordActivity(id, res, execId, startedAt);
    } catch (err) {
      // Not saved: the worker hears the error, and the activity is handed out again.
      setTimeout(() => { const s = this.cache.get(id); if (s) this.activate(s); }, 1000).unref();
      throw err;
    } finally {
      for (const k of keys) this.answered.delete(k);
    }
  }

  private recordActivity(id: string, res: ActivityResponse, execId: string | undefined, startedAt: number | undefined): Promise<void> {
    return this.mutate(id, (s) => {
      if (!s || isTerminal(s.meta.status)) return undefined;
      if (execId !== undefined && s.meta.executionId !== execId) return undefined; // for an execution that continued as new
      const pending = pendingWork(s).activities.find((a) => a.taskId === res.taskId);
      if (!pending) return undefined; // already recorded: activities complete exactly once in history
      const failed = !!res.failureDetails;
      workflowMetrics.activity(this.o.appId, pending.name, failed ? "failed" : "success", startedAt ? Date.now() - startedAt : undefined);
      s.meta.inbox.push(failed
        ? newEvent("taskFailed", { taskScheduledId: res.taskId, failureDetails: res.failureDetails! })
        : newEvent("taskCompleted", { taskScheduledId: res.taskId, result: res.result ?? undefined }));
      return { state: s };
    }, "activity_result");
  }

  // ------------------------------------------------------------- internals

  /** Runs `fn` after every earlier operation on the same instance (one writer per instance per process). */
  private serial<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.chains.get(id) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => {});
    this.chains.set(id, tail);
    void tail.then(() => { if (this.chains.get(id) === tail) this.chains.delete(id); });
    return next;
  }

  /**
   * Reads the instance (cache or store), applies `fn` to a copy, and saves it
   * guarded by the ETag it was read with. On a conflict the instance is read
   * again from the store and `fn` re-applied.
   */
  private mutate(id: string, fn: (s: InstanceState | undefined) => Change, op: string): Promise<void> {
    const started = Date.now();
    return this.serial(id, async () => {
      for (let attempt = 0; ; attempt++) {
        const cur = await this.current(id);
        let owner = cur?.meta.owner;
        if (cur && owner !== this.me && !isTerminal(cur.meta.status) && !(await this.hostAlive(owner!))) owner = this.me;
        const change = fn(cur ? cloneState(cur) : undefined);
        if (!change) {
          if (cur && owner === this.me && cur.meta.owner !== this.me) await this.takeOver(id);
          return;
        }
        const next = change.state;
        next.meta.owner = owner ?? this.me;
        next.meta.version = (cur?.meta.version ?? 0) + 1;
        next.meta.lastUpdatedAt = Date.now();
        const previousLength = cur?.meta.historyLength ?? 0;
        const continued = next.history.length < previousLength || (cur && next.meta.executionId !== cur.meta.executionId);
        next.meta.historyLength = next.history.length;
        try {
          await this.store.save(next, { expectedEtag: cur?.etag, create: !cur, firstNewIndex: continued ? 0 : previousLength, previousLength });
        } catch (err) {
          if (err instanceof ConcurrentUpdateError && attempt < 20) {
            this.cache.delete(id);
            continue;
          }
          workflowMetrics.operation(this.o.appId, op, false, Date.now() - started);
          throw err;
        }
        // The store does not return the new ETag: predict it, or read it back before the next write.
        next.etag = this.store.etagAfterSave(cur?.etag, !cur);
        if (continued) this.dropLocal(id);
        // Finished instances leave the cache: their state is in the store, and memory stays bounded.
        if (next.meta.owner === this.me && !isTerminal(next.meta.status)) {
          this.cache.set(id, next);
          if (next.etag === undefined) this.prefetchEtag(next);
        } else {
          this.cache.delete(id);
        }
        this.notify(id, next.meta);
        if (op !== "orchestrator_turn" && op !== "activity_result" && op !== "timer") workflowMetrics.operation(this.o.appId, op, true, Date.now() - started);
        this.afterCommit(next, change.effects ?? {});
        return;
      }
    });
  }

  private prefetchEtag(s: InstanceState): void {
    const id = s.meta.instanceId;
    const p = this.store.loadMeta(id).then((m) => {
      if (m && this.cache.get(id) === s && m.meta.version === s.meta.version) s.etag = m.etag;
    }, () => {}).finally(() => {
      if (this.etagFetches.get(id) === p) this.etagFetches.delete(id);
    });
    this.etagFetches.set(id, p);
  }

  /** The instance as last committed, with a valid ETag for the next write. */
  private async current(id: string): Promise<InstanceState | undefined> {
    await this.etagFetches.get(id);
    const cached = this.cache.get(id);
    if (cached?.etag !== undefined) return cached;
    if (cached) {
      const m = await this.store.loadMeta(id);
      if (m && m.meta.version === cached.meta.version) {
        cached.etag = m.etag;
        return cached;
      }
      this.cache.delete(id);
    }
    return this.store.load(id);
  }

  private afterCommit(s: InstanceState, fx: Effects): void {
    const id = s.meta.instanceId;
    if (fx.finished) {
      this.dropLocal(id);
      // Dapr's status label values: success, failed, terminated.
      const status = s.meta.status === "ORCHESTRATION_STATUS_COMPLETED" ? "success" : daprStatusName(s.meta.status).toLowerCase();
      workflowMetrics.execution(this.o.appId, s.meta.name, status, Date.now() - s.meta.createdAt);
      void this.index.remove(id).catch(() => {});
      if (s.meta.parent) void this.notifyParent(s).catch((err) => this.log.error("notifying the parent workflow failed", { instance_id: id, error: (err as Error).message }));
      for (const c of fx.terminateChildren ?? []) void this.terminate(c).catch(() => {});
    }
    for (const c of fx.children ?? []) {
      void this.startInstance({ instanceId: c.instanceId, name: c.name, input: c.input, parent: c.parent }).catch((err) =>
        this.childFailedToStart(id, c.parent.taskScheduledId, err));
    }
    for (const e of fx.sends ?? []) void this.raiseEvent(e.instanceId, e.name, e.input).catch((err) => this.log.warn("sending an event from a workflow failed", { instance_id: id, target: e.instanceId, error: (err as Error).message }));
    for (const t of fx.terminateOthers ?? []) void this.terminate(t.instanceId, t.output).catch(() => {});
    if (s.meta.owner === this.me) this.activate(s);
  }

  /** Hands out whatever the instance waits for: its next turn, unfinished activities, timers. Idempotent. */
  private activate(s: InstanceState): void {
    const id = s.meta.instanceId;
    if (isTerminal(s.meta.status) || this.stopped) return;
    const work = pendingWork(s);
    for (const t of work.timers) this.armTimer(id, s.meta.executionId, t.timerId, t.fireAt);
    for (const a of work.activities) {
      const key = activityKey(id, s.meta.executionId, a.taskId);
      if (this.answered.has(key)) continue;
      this.dispatcher.submit({ kind: "activity", key, build: () => this.buildActivity(id, s.meta.executionId, a.taskId, key) });
    }
    if (s.meta.inbox.length > 0 && s.meta.status !== "ORCHESTRATION_STATUS_SUSPENDED" && !this.applying.has(id)) {
      const wait = (s.meta.startAt ?? 0) - Date.now();
      if (wait > 0) this.armTimer(id, s.meta.executionId, 0, s.meta.startAt!);
      else this.dispatcher.submit({ kind: "orchestrator", key: `o|${id}`, build: () => this.buildTurn(id) });
    }
  }

  private buildTurn(id: string): unknown | undefined {
    const s = this.cache.get(id);
    if (!s || s.meta.owner !== this.me || isTerminal(s.meta.status) || s.meta.status === "ORCHESTRATION_STATUS_SUSPENDED") return undefined;
    if (this.applying.has(id)) return undefined; // submitted again once the answer is saved
    let turn = this.turns.get(id);
    if (!turn || turn.executionId !== s.meta.executionId) {
      if (s.meta.inbox.length === 0) return undefined;
      // Redelivery reuses the snapshot, so a late answer to the first delivery still matches it.
      turn = { executionId: s.meta.executionId, newEvents: [newEvent("orchestratorStarted", {}), ...s.meta.inbox], dispatchedAt: Date.now() };
      this.turns.set(id, turn);
    }
    // OrchestratorCompleted markers stay in the stored history (the timeline shows turns) but are not
    // sent: the SDKs' replay ignores them, and each one costs the worker a decode and a log line.
    return { instanceId: id, executionId: sv(s.meta.executionId), pastEvents: s.history.filter((e) => !e.orchestratorCompleted), newEvents: turn.newEvents };
  }

  private buildActivity(id: string, executionId: string, taskId: number, key: string): unknown | undefined {
    const s = this.cache.get(id);
    if (!s || s.meta.executionId !== executionId || isTerminal(s.meta.status)) return undefined;
    const a = pendingWork(s).activities.find((x) => x.taskId === taskId);
    if (!a || this.answered.has(key)) return undefined;
    this.activityStarted.set(key, Date.now());
    return { name: a.name, input: a.input, orchestrationInstance: { instanceId: id, executionId: sv(executionId) }, taskId };
  }

  private armTimer(id: string, executionId: string, timerId: number, fireAtMs: number): void {
    const key = `${id}|${executionId}|${timerId}`;
    if (this.timers.has(key)) return;
    // setTimeout holds at most ~24.8 days; longer timers re-arm on the way.
    const delay = Math.min(Math.max(0, fireAtMs - Date.now()), 2_000_000_000);
    const t = setTimeout(() => {
      this.timers.delete(key);
      if (Date.now() < fireAtMs - 5) return this.armTimer(id, executionId, timerId, fireAtMs);
      if (timerId === 0) {
        // the scheduled start time has come
        const s = this.cache.get(id);
        if (s) this.dispatcher.submit({ kind: "orchestrator", key: `o|${id}`, build: () => this.buildTurn(id) });
        return;
      }
      void this.mutate(id, (s) => {
        if (!s || isTerminal(s.meta.status) || s.meta.executionId !== executionId) return undefined;
        if (!pendingWork(s).timers.some((x) => x.timerId === timerId)) return undefined;
        s.meta.inbox.push(newEvent("timerFired", { fireAt: timestamp(fireAtMs), timerId }));
        return { state: s };
      }, "timer").catch((err) => {
        this.log.error("firing a durable timer failed; retrying", { instance_id: id, error: (err as Error).message });
        setTimeout(() => this.armTimer(id, executionId, timerId, fireAtMs), 1000).unref();
      });
    }, delay);
    this.timers.set(key, t);
  }

  /** Forgets in-process work of an instance (timers, queued work, turn snapshot). */
  private dropLocal(id: string): void {
    for (const [k, t] of this.timers) if (k.startsWith(`${id}|`)) { clearTimeout(t); this.timers.delete(k); }
    this.turns.delete(id);
    this.dispatcher.cancel(`o|${id}`);
  }

  private async notifyParent(child: InstanceState): Promise<void> {
    const p = child.meta.parent!;
    const parentId = p.orchestrationInstance.instanceId;
    await this.mutate(parentId, (s) => {
      if (!s || isTerminal(s.meta.status)) return undefined;
      if (!pendingWork(s).children.some((c) => c.taskId === p.taskScheduledId)) return undefined;
      s.meta.inbox.push(child.meta.status === "ORCHESTRATION_STATUS_COMPLETED"
        ? newEvent("subOrchestrationInstanceCompleted", { taskScheduledId: p.taskScheduledId, result: sv(child.meta.output) })
        : newEvent("subOrchestrationInstanceFailed", {
          taskScheduledId: p.taskScheduledId,
          failureDetails: child.meta.failureDetails ?? { errorType: "WorkflowTerminated", errorMessage: `child workflow ${child.meta.instanceId} ended as ${daprStatusName(child.meta.status)}` },
        }));
      return { state: s };
    }, "child_result");
  }

  private childFailedToStart(parentId: string, taskId: number, err: unknown): void {
    const msg = (err as Error).message;
    this.log.warn("starting a child workflow failed", { instance_id: parentId, error: msg });
    void this.mutate(parentId, (s) => {
      if (!s || isTerminal(s.meta.status) || !pendingWork(s).children.some((c) => c.taskId === taskId)) return undefined;
      s.meta.inbox.push(newEvent("subOrchestrationInstanceFailed", { taskScheduledId: taskId, failureDetails: { errorType: "ChildWorkflowStartError", errorMessage: msg } }));
      return { state: s };
    }, "child_result").catch(() => {});
  }

  private notify(id: string, m: InstanceMetadata | undefined): void {
    for (const l of [...(this.listeners.get(id) ?? [])]) l(m);
  }

  private async hostAlive(host: string): Promise<boolean> {
    if (host === this.me) return true;
    const c = this.hostLiveness.get(host);
    if (c && Date.now() - c.checkedAt < 1000) return c.alive;
    const alive = (await this.store.heartbeatUntil(host)) > Date.now();
    this.hostLiveness.set(host, { alive, checkedAt: Date.now() });
    return alive;
  }

  /** Claims an instance whose owner is gone (or is this host after a restart) and resumes it. */
  private async takeOver(id: string): Promise<void> {
    const s = await this.store.load(id);
    if (!s || isTerminal(s.meta.status)) return;
    s.meta.owner = this.me;
    s.meta.version += 1;
    try {
      await this.store.save(s, { expectedEtag: s.etag, firstNewIndex: s.history.length, previousLength: s.history.length });
    } catch (err) {
      if (err instanceof ConcurrentUpdateError) return; // someone else claimed or changed it; the next sweep looks again
      throw err;
    }
    s.etag = this.store.etagAfterSave(s.etag, false);
    this.cache.set(id, s);
    this.log.info("resuming workflow", { instance_id: id, status: daprStatusName(s.meta.status) });
    await this.reconcileChildren(s);
    this.activate(s);
  }

  /** After a crash a child may be missing (never created) or finished without telling its parent. */
  private async reconcileChildren(s: InstanceState): Promise<void> {
    for (const c of pendingWork(s).children) {
      const child = await this.store.loadMeta(c.instanceId);
      const parent: ParentInstance = { taskScheduledId: c.taskId, name: sv(s.meta.name), orchestrationInstance: { instanceId: s.meta.instanceId, executionId: sv(s.meta.executionId) } };
      if (!child) {
        void this.startInstance({ instanceId: c.instanceId, name: c.name, input: c.input, parent }).catch((err) => this.childFailedToStart(s.meta.instanceId, c.taskId, err));
      } else if (isTerminal(child.meta.status)) {
        void this.notifyParent({ meta: child.meta, history: [] }).catch(() => {});
      }
    }
  }

  /** Recovery and hand-over: active instances nobody alive owns are claimed; owned ones changed elsewhere are reloaded. */
  private async sweep(): Promise<void> {
    const ids = await this.store.allActiveIds();
    const todo = ids.filter((id) => !this.chains.has(id));
    const worker = async () => {
      for (let id = todo.pop(); id !== undefined; id = todo.pop()) {
        try {
          await this.sweepOne(id);
        } catch (err) {
          this.log.warn("workflow recovery check failed", { instance_id: id, error: (err as Error).message });
        }
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
  }

  private async sweepOne(id: string): Promise<void> {
    const cached = this.cache.get(id);
    if (cached && Date.now() - cached.meta.lastUpdatedAt < this.sweepMs) return; // busy here: nothing was missed
    const m = await this.store.loadMeta(id);
    if (!m) {
      if (!this.chains.has(id)) await this.index.remove(id);
      return;
    }
    if (isTerminal(m.meta.status)) {
      await this.index.remove(id);
      return;
    }
    // Unchanged elsewhere: hand out anything it still waits for (idempotent; a safety net for lost work).
    if (cached && m.meta.version === cached.meta.version) return this.activate(cached);
    if (m.meta.owner === this.me || !(await this.hostAlive(m.meta.owner))) {
      await this.serial(id, () => this.takeOver(id));
    } else {
      this.cache.delete(id);
    }
  }
}

function activityKey(id: string, executionId: string, taskId: number): string {
  return `a|${id}|${executionId}|${taskId}`;
}

/** Only what the key layout needs; the Dapr API is stricter on ids it creates (workflow-api.ts). SDK child ids contain ':'. */
function validateInstanceId(id: string): void {
  if (id.includes("||")) throw Errors.workflowInstanceIdInvalid(id);
}

function validateJson(what: string, text: string): void {
  if (text === "") return;
  try {
    JSON.parse(text);
  } catch (err) {
    throw Errors.workflowInputMalformed(what, (err as Error).message);
  }
}
