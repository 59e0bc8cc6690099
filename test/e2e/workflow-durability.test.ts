// Durability with the official SDK: a sidecar killed with SIGKILL while 100
// workflows wait on durable timers or external events is restarted, and every
// workflow completes without any completed activity running again; a worker
// that disconnects in the middle of an activity gets it redelivered to the
// next worker.
import { DaprWorkflowClient, WorkflowRuntime, WorkflowRuntimeStatus, type WorkflowActivityContext, type WorkflowContext } from "@dapr/dapr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSidecar, type SidecarProcess } from "../support/sidecar-process.js";
import { uniqueName } from "../support/services.js";
import { json, muteSdkConsole, redisActorStoreDir, sdkOptions, until } from "./workflow-support.js";

let unmute: () => void;
beforeAll(() => { unmute = muteSdkConsole(); });
afterAll(() => unmute?.());

const executions = new Map<string, number>();
const record = async (_: WorkflowActivityContext, key: string) => {
  executions.set(key, (executions.get(key) ?? 0) + 1);
  return key;
};
const waitsThenFinishes = async function* (ctx: WorkflowContext, input: { id: string; mode: "timer" | "event" }): any {
  yield ctx.callActivity(record, `first:${input.id}`);
  if (input.mode === "timer") yield ctx.createTimer(3);
  else yield ctx.waitForExternalEvent("go");
  yield ctx.callActivity(record, `second:${input.id}`);
  return input.id;
};

function runtimeFor(sc: SidecarProcess): WorkflowRuntime {
  return new WorkflowRuntime(sdkOptions(sc.grpcPort)).registerWorkflow(waitsThenFinishes).registerActivity(record);
}

describe("a sidecar killed with SIGKILL mid-flight", () => {
  it("resumes all 100 waiting workflows after a restart, running no completed activity twice", async () => {
    const appId = uniqueName("wf-kill");
    const resources = redisActorStoreDir();
    const first = await startSidecar({ appId, resourcesPaths: [resources] });
    const runtime1 = runtimeFor(first);
    await runtime1.start();
    const client1 = new DaprWorkflowClient(sdkOptions(first.grpcPort));
    const ids = Array.from({ length: 100 }, (_, i) => ({ id: `${appId}-${i}`, mode: (i % 2 === 0 ? "timer" : "event") as "timer" | "event" }));
    await Promise.all(ids.map((x) => client1.scheduleNewWorkflow(waitsThenFinishes, x, x.id)));
    // every first activity has run and been recorded; the workflows now wait
    await until(() => ids.every((x) => executions.get(`first:${x.id}`) === 1), 30_000, "first activities");
    await new Promise((r) => setTimeout(r, 1000));
    expect(ids.some((x) => executions.has(`second:${x.id}`))).toBe(false);

    await first.kill();
    void runtime1.stop().catch(() => {});
    void client1.stop().catch(() => {});

    const second = await startSidecar({ appId, resourcesPaths: [resources] });
    const runtime2 = runtimeFor(second);
    const client2 = new DaprWorkflowClient(sdkOptions(second.grpcPort));
    try {
      await runtime2.start();
      // raised on the new sidecar, possibly before it has claimed the instances
      await Promise.all(ids.filter((x) => x.mode === "event").map((x) => client2.raiseEvent(x.id, "go", true)));
      const states = await Promise.all(ids.map((x) => client2.waitForWorkflowCompletion(x.id, true, 60)));
      expect(states.map((s) => s?.runtimeStatus)).toEqual(ids.map(() => WorkflowRuntimeStatus.COMPLETED));
      expect(states.map((s) => JSON.parse(s!.serializedOutput!))).toEqual(ids.map((x) => x.id));
      for (const x of ids) {
        expect(executions.get(`first:${x.id}`), `first activity of ${x.id}`).toBe(1);
        expect(executions.get(`second:${x.id}`), `second activity of ${x.id}`).toBe(1);
      }
    } finally {
      await runtime2.stop().catch(() => {});
      await client2.stop().catch(() => {});
      await second.stop();
    }
  }, 120_000);
});

describe("a worker that disconnects in the middle of an activity", () => {
  it("gets the activity redelivered to the next worker", async () => {
    const sc = await startSidecar({ appId: uniqueName("wf-disconnect"), resourcesPaths: [redisActorStoreDir()] });
    let releaseHung!: () => void;
    const hung = new Promise<string>((r) => { releaseHung = () => r("too late"); });
    let startedOnFirst = 0, ranOnSecond = 0;
    const slowFirst = async () => { startedOnFirst++; return hung; };
    const quickSecond = async (_: WorkflowActivityContext, x: string) => { ranOnSecond++; return `done ${x}`; };
    const wf = async function* (ctx: WorkflowContext, x: string): any {
      return yield ctx.callActivity("work", x);
    };
    const runtime1 = new WorkflowRuntime(sdkOptions(sc.grpcPort)).registerWorkflowWithName("redelivery", wf).registerActivityWithName("work", slowFirst);
    const runtime2 = new WorkflowRuntime(sdkOptions(sc.grpcPort)).registerWorkflowWithName("redelivery", wf).registerActivityWithName("work", quickSecond);
    const client = new DaprWorkflowClient(sdkOptions(sc.grpcPort));
    let stopping1: Promise<void> | undefined;
    try {
      await runtime1.start();
      const id = await client.scheduleNewWorkflow("redelivery", "job-1");
      await until(() => startedOnFirst === 1, 15_000, "activity started on the first worker");
      stopping1 = runtime1.stop(); // closes its stream while the activity is still running
      await until(async () => (await json(sc.http("/v1.0/metadata"))).workflows?.connectedWorkers === 0, 10_000, "first worker gone");
      await runtime2.start();
      const state = await client.waitForWorkflowCompletion(id, true, 30);
      expect(state?.runtimeStatus).toBe(WorkflowRuntimeStatus.COMPLETED);
      expect(JSON.parse(state!.serializedOutput!)).toBe("done job-1");
      expect(ranOnSecond).toBe(1);
    } finally {
      releaseHung();
      await stopping1?.catch(() => {});
      await runtime2.stop().catch(() => {});
      await client.stop().catch(() => {});
      await sc.stop();
    }
  }, 60_000);
});
