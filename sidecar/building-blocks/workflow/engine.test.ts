// The engine against the in-memory state store, with a scripted worker
// standing in for the SDK: what the worker is sent, what history results,
// and the races a real worker cannot reproduce on demand (late answers,
// terminate mid-turn, duplicate activity results).
import { EventEmitter } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import { InMemoryStateStore } from "../../components/state/in-memory/in-memory-state-store.js";
import { Logger } from "../../log/logger.js";
import { WorkflowEngine } from "./engine.js";
import { eventKind } from "./history.js";
import { WorkflowStore } from "./workflow-store.js";

const log = new Logger({ level: "fatal", json: true, scope: "test", appId: "app" });

function fakeWorker() {
  const items: any[] = [];
  const call = Object.assign(new EventEmitter(), { cancelled: false, write(x: unknown) { items.push(x); return true; }, end() {} });
  return { call, items };
}

async function next(items: any[], kind: "orchestratorRequest" | "activityRequest", timeoutMs = 2000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const i = items.findIndex((x) => x[kind]);
    if (i >= 0) return items.splice(i, 1)[0][kind];
    if (Date.now() > deadline) throw new Error(`no ${kind} arrived`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const engines: WorkflowEngine[] = [];
afterEach(async () => {
  for (const e of engines.splice(0)) await e.stop();
});

async function setup() {
  const mem = new InMemoryStateStore();
  await mem.init();
  const store = new WorkflowStore(mem, "app", "default", "mem", "state.in-memory");
  const engine = new WorkflowEngine({ store, hostId: () => "host-1", appId: "app", namespace: "default", log, sweepIntervalMs: 60_000 });
  engines.push(engine);
  const w = fakeWorker();
  engine.dispatcher.attach(w.call as never);
  return { engine, store, w };
}

const kinds = (events: any[]) => events.map((e) => eventKind(e));

describe("WorkflowEngine", () => {
  it("runs a turn, records the scheduled activity under the action id, and feeds its result to the next turn", async () => {
    const { engine, store, w } = await setup();
    const id = await engine.startInstance({ instanceId: "wf-1", name: "flow", input: "5" });
    const t1 = await next(w.items, "orchestratorRequest");
    expect(t1.pastEvents).toEqual([]);
    expect(kinds(t1.newEvents)).toEqual(["orchestratorStarted", "executionStarted"]);
    await engine.completeOrchestration({ instanceId: id, actions: [{ id: 1, scheduleTask: { name: "double", input: { value: "5" } } }] });
    const act = await next(w.items, "activityRequest");
    expect(act).toMatchObject({ name: "double", taskId: 1, input: { value: "5" } });
    await engine.completeActivity({ instanceId: id, taskId: 1, result: { value: "10" } });
    const t2 = await next(w.items, "orchestratorRequest");
    // stored history keeps the OrchestratorCompleted marker; the worker is not sent it
    expect(kinds(t2.pastEvents)).toEqual(["orchestratorStarted", "executionStarted", "taskScheduled"]);
    expect(t2.pastEvents[2].eventId).toBe(1);
    expect(kinds(t2.newEvents)).toEqual(["orchestratorStarted", "taskCompleted"]);
    await engine.completeOrchestration({ instanceId: id, actions: [{ id: 2, completeOrchestration: { orchestrationStatus: "ORCHESTRATION_STATUS_COMPLETED", result: { value: "10" } } }] });
    const done = await engine.waitFor(id, (m) => m.status === "ORCHESTRATION_STATUS_COMPLETED");
    expect(done?.output).toBe("10");
    const saved = await store.load(id);
    expect(saved?.meta.historyLength).toBe(saved?.history.length);
    expect(kinds(saved!.history).filter((k) => k === "orchestratorCompleted")).toHaveLength(2);
    expect(kinds(saved!.history).at(-1)).toBe("executionCompleted");
  });

  it("records an activity result once, however often it is reported", async () => {
    const { engine, store, w } = await setup();
    const id = await engine.startInstance({ instanceId: "wf-dup", name: "flow" });
    await next(w.items, "orchestratorRequest");
    await engine.completeOrchestration({ instanceId: id, actions: [{ id: 1, scheduleTask: { name: "a" } }] });
    await next(w.items, "activityRequest");
    await engine.completeActivity({ instanceId: id, taskId: 1, result: { value: "1" } });
    await engine.completeActivity({ instanceId: id, taskId: 1, result: { value: "2" } });
    const t2 = await next(w.items, "orchestratorRequest");
    expect(t2.newEvents.filter((e: any) => e.taskCompleted)).toHaveLength(1);
    expect((await store.loadMeta(id))?.meta.inbox).toHaveLength(1);
  });

  it("builds no next turn from events the answered turn already consumed (event raised mid-turn)", async () => {
    const { engine, w } = await setup();
    const id = await engine.startInstance({ instanceId: "wf-race", name: "flow" });
    await next(w.items, "orchestratorRequest");
    const raised = engine.raiseEvent(id, "e", '"v"');
    await engine.completeOrchestration({ instanceId: id, actions: [{ id: 1, scheduleTask: { name: "a" } }] });
    await raised;
    const t2 = await next(w.items, "orchestratorRequest");
    expect(kinds(t2.newEvents)).toEqual(["orchestratorStarted", "eventRaised"]);
    expect(kinds(t2.pastEvents).filter((k) => k === "executionStarted")).toHaveLength(1);
  });

  it("never hands out again an activity whose answer is still being saved (fan-out answers at once)", async () => {
    const { engine, w } = await setup();
    const id = await engine.startInstance({ instanceId: "wf-fan", name: "flow" });
    await next(w.items, "orchestratorRequest");
    await engine.completeOrchestration({ instanceId: id, actions: [1, 2, 3].map((n) => ({ id: n, scheduleTask: { name: "a" } })) });
    for (let i = 0; i < 3; i++) await next(w.items, "activityRequest");
    await Promise.all([1, 2, 3].map((n) => engine.completeActivity({ instanceId: id, taskId: n, result: { value: String(n) } })));
    const t2 = await next(w.items, "orchestratorRequest");
    expect(kinds(t2.newEvents).filter((k) => k === "taskCompleted").length + kinds(t2.pastEvents).filter((k) => k === "taskCompleted").length).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 50));
    expect(w.items.filter((x) => x.activityRequest)).toEqual([]);
  });

  it("ignores a turn's late answer once the workflow was terminated", async () => {
    const { engine, w } = await setup();
    const id = await engine.startInstance({ instanceId: "wf-term", name: "flow" });
    await next(w.items, "orchestratorRequest");
    await engine.terminate(id, '"stop"');
    await engine.completeOrchestration({ instanceId: id, actions: [{ id: 1, scheduleTask: { name: "a" } }] });
    await new Promise((r) => setTimeout(r, 50));
    const m = await engine.getInstance(id);
    expect(m?.status).toBe("ORCHESTRATION_STATUS_TERMINATED");
    expect(m?.output).toBe('"stop"');
    expect(w.items.filter((x) => x.activityRequest)).toEqual([]);
  });

  it("fires a durable timer into the inbox and starts the next turn", async () => {
    const { engine, w } = await setup();
    const id = await engine.startInstance({ instanceId: "wf-timer", name: "flow" });
    await next(w.items, "orchestratorRequest");
    const fireAt = Date.now() + 100;
    await engine.completeOrchestration({ instanceId: id, actions: [{ id: 1, createTimer: { fireAt: { seconds: Math.floor(fireAt / 1000), nanos: (fireAt % 1000) * 1e6 } } }] });
    const t2 = await next(w.items, "orchestratorRequest");
    expect(t2.newEvents[1].timerFired).toMatchObject({ timerId: 1 });
  });

  it("starts a new execution on continue-as-new, keeping events raised meanwhile", async () => {
    const { engine, store, w } = await setup();
    const id = await engine.startInstance({ instanceId: "wf-can", name: "flow", input: "0" });
    await next(w.items, "orchestratorRequest");
    await engine.raiseEvent(id, "later", '"x"');
    await engine.completeOrchestration({ instanceId: id, actions: [{ id: 1, completeOrchestration: { orchestrationStatus: "ORCHESTRATION_STATUS_CONTINUED_AS_NEW", result: { value: "1" } } }] });
    const t2 = await next(w.items, "orchestratorRequest");
    expect(t2.pastEvents).toEqual([]);
    expect(kinds(t2.newEvents)).toEqual(["orchestratorStarted", "executionStarted", "eventRaised"]);
    expect(t2.newEvents[1].executionStarted.input).toEqual({ value: "1" });
    const saved = await store.load(id);
    expect(saved?.history).toEqual([]);
  });

  it("refuses an id that is running, and bad input", async () => {
    const { engine } = await setup();
    await engine.startInstance({ instanceId: "wf-x", name: "flow" });
    await expect(engine.startInstance({ instanceId: "wf-x", name: "flow" })).rejects.toThrow(/already exists/);
    await expect(engine.startInstance({ name: "" })).rejects.toThrow(/workflow name/);
    await expect(engine.startInstance({ name: "flow", input: "{nope" })).rejects.toThrow(/must be JSON/);
    await expect(engine.raiseEvent("missing", "e")).rejects.toThrow(/unable to find workflow/);
    await expect(engine.purge("wf-x")).rejects.toThrow(/only completed, failed or terminated/);
  });

  it("reuses the id of a finished instance for a new start", async () => {
    const { engine, w } = await setup();
    await engine.startInstance({ instanceId: "wf-again", name: "flow" });
    await next(w.items, "orchestratorRequest");
    await engine.terminate("wf-again");
    await engine.startInstance({ instanceId: "wf-again", name: "flow", input: "2" });
    const m = await engine.getInstance("wf-again");
    expect(m).toMatchObject({ status: "ORCHESTRATION_STATUS_PENDING", input: "2" });
  });

  it("a second engine on the same store resumes an instance whose owner's lease lapsed", async () => {
    const mem = new InMemoryStateStore();
    await mem.init();
    const mk = (host: string) => {
      const e = new WorkflowEngine({ store: new WorkflowStore(mem, "app", "default", "mem"), hostId: () => host, appId: "app", namespace: "default", log, sweepIntervalMs: 50 });
      engines.push(e);
      return e;
    };
    const first = mk("host-a");
    first.start();
    await first.startInstance({ instanceId: "wf-move", name: "flow" });
    await first.stop(); // host-a dies without a worker ever answering; its heartbeat lapses after 150 ms
    const second = mk("host-b");
    const w = fakeWorker();
    second.dispatcher.attach(w.call as never);
    second.start();
    const t = await next(w.items, "orchestratorRequest", 3000);
    expect(t.instanceId).toBe("wf-move");
    expect((await second.getInstance("wf-move"))?.owner).toBe("host-b");
  });
});
