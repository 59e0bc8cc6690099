// Two sidecars of one app sharing one actor state store, each with its own SDK
// worker: every instance runs in exactly one place (all its activities run on
// the owner's worker), events raised on the other sidecar still arrive, and
// when one sidecar dies the other takes over its instances once its lease lapses.
import { DaprWorkflowClient, WorkflowRuntime, WorkflowRuntimeStatus, type WorkflowActivityContext, type WorkflowContext } from "@dapr/dapr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSidecar, type SidecarProcess } from "../support/sidecar-process.js";
import { uniqueName } from "../support/services.js";
import { muteSdkConsole, redisActorStoreDir, sdkOptions } from "./workflow-support.js";

const ranOn = new Map<string, Set<string>>();
function runtimeFor(sc: SidecarProcess, worker: string): WorkflowRuntime {
  const step = async (_: WorkflowActivityContext, id: string) => {
    const set = ranOn.get(id) ?? new Set();
    set.add(worker);
    ranOn.set(id, set);
    return worker;
  };
  const wf = async function* (ctx: WorkflowContext, id: string): any {
    yield ctx.callActivity(step, id);
    const gate = yield ctx.waitForExternalEvent("continue");
    yield ctx.callActivity(step, id);
    return gate;
  };
  return new WorkflowRuntime(sdkOptions(sc.grpcPort)).registerWorkflowWithName("shared", wf).registerActivityWithName("step", step);
}

let unmute: () => void;
const sidecars: SidecarProcess[] = [];
const runtimes: WorkflowRuntime[] = [];
const clients: DaprWorkflowClient[] = [];

beforeAll(async () => {
  unmute = muteSdkConsole();
  const appId = uniqueName("wf-multi");
  const resources = redisActorStoreDir();
  for (const name of ["A", "B"]) {
    const sc = await startSidecar({ appId, resourcesPaths: [resources] });
    sidecars.push(sc);
    const rt = runtimeFor(sc, name);
    await rt.start();
    runtimes.push(rt);
    clients.push(new DaprWorkflowClient(sdkOptions(sc.grpcPort)));
  }
}, 40_000);

afterAll(async () => {
  for (const r of runtimes) await r.stop().catch(() => {});
  for (const c of clients) await c.stop().catch(() => {});
  for (const s of sidecars) await s.stop();
  unmute?.();
});

describe("several sidecars of one app", () => {
  it("run each instance in one place, deliver events raised anywhere, and take over a dead sidecar's instances", async () => {
    const [a, b] = clients as [DaprWorkflowClient, DaprWorkflowClient];
    const onA = Array.from({ length: 10 }, (_, i) => `a-${i}-${Date.now().toString(36)}`);
    const onB = Array.from({ length: 10 }, (_, i) => `b-${i}-${Date.now().toString(36)}`);
    await Promise.all([...onA.map((id) => a.scheduleNewWorkflow("shared", id, id)), ...onB.map((id) => b.scheduleNewWorkflow("shared", id, id))]);
    const deadline = Date.now() + 20_000;
    while ([...onA, ...onB].some((id) => !ranOn.has(id)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));

    // Half of A's instances get their event through B, and the other way round.
    await Promise.all([...onA.slice(0, 5).map((id) => b.raiseEvent(id, "continue", "via B")), ...onB.slice(0, 5).map((id) => a.raiseEvent(id, "continue", "via A"))]);
    const firstHalf = await Promise.all([...onA.slice(0, 5).map((id) => a.waitForWorkflowCompletion(id, true, 30)), ...onB.slice(0, 5).map((id) => b.waitForWorkflowCompletion(id, true, 30))]);
    expect(firstHalf.map((s) => s?.runtimeStatus)).toEqual(firstHalf.map(() => WorkflowRuntimeStatus.COMPLETED));
    for (const id of [...onA.slice(0, 5), ...onB.slice(0, 5)]) expect([...ranOn.get(id)!]).toEqual([id.startsWith("a-") ? "A" : "B"]);

    // A dies: B claims A's waiting instances once A's lease lapses and finishes them on its own worker.
    await sidecars[0]!.kill();
    await runtimes[0]!.stop().catch(() => {});
    await Promise.all(onA.slice(5).map((id) => b.raiseEvent(id, "continue", "after A died")));
    const rest = await Promise.all(onA.slice(5).map((id) => b.waitForWorkflowCompletion(id, true, 40)));
    expect(rest.map((s) => s?.runtimeStatus)).toEqual(rest.map(() => WorkflowRuntimeStatus.COMPLETED));
    for (const id of onA.slice(5)) expect([...ranOn.get(id)!].sort()).toEqual(["A", "B"]);
    await Promise.all(onB.slice(5).map((id) => b.raiseEvent(id, "continue", "last")));
    const lastB = await Promise.all(onB.slice(5).map((id) => b.waitForWorkflowCompletion(id, true, 30)));
    expect(lastB.map((s) => s?.runtimeStatus)).toEqual(lastB.map(() => WorkflowRuntimeStatus.COMPLETED));
  }, 90_000);
});
