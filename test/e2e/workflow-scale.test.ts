// 1,000 instances of a three-activity workflow started at once all complete,
// with two SDK workers sharing the work of one sidecar.
import { DaprWorkflowClient, WorkflowRuntime, WorkflowRuntimeStatus, type WorkflowActivityContext, type WorkflowContext } from "@dapr/dapr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSidecar, type SidecarProcess } from "../support/sidecar-process.js";
import { uniqueName } from "../support/services.js";
import { muteSdkConsole, redisActorStoreDir, sdkOptions } from "./workflow-support.js";

const ranOn = [0, 0];
function runtime(sc: SidecarProcess, worker: number): WorkflowRuntime {
  const add = async (_: WorkflowActivityContext, x: { n: number; by: number }) => { ranOn[worker]!++; return x.n + x.by; };
  const wf = async function* (ctx: WorkflowContext, n: number): any {
    const a: number = yield ctx.callActivity(add, { n, by: 1 });
    const b: number = yield ctx.callActivity(add, { n: a, by: 10 });
    return yield ctx.callActivity(add, { n: b, by: 100 });
  };
  return new WorkflowRuntime(sdkOptions(sc.grpcPort)).registerWorkflowWithName("threeAdds", wf).registerActivityWithName("add", add);
}

let sidecar: SidecarProcess;
let runtimes: WorkflowRuntime[] = [];
let client: DaprWorkflowClient;
let unmute: () => void;

beforeAll(async () => {
  unmute = muteSdkConsole();
  sidecar = await startSidecar({ appId: uniqueName("wf-scale"), resourcesPaths: [redisActorStoreDir()], args: ["--log-level", "warn"] });
  runtimes = [runtime(sidecar, 0), runtime(sidecar, 1)];
  for (const r of runtimes) await r.start();
  client = new DaprWorkflowClient(sdkOptions(sidecar.grpcPort));
}, 30_000);

afterAll(async () => {
  for (const r of runtimes) await r.stop().catch(() => {});
  await client?.stop().catch(() => {});
  await sidecar?.stop();
  unmute?.();
});

describe("1,000 workflow instances started at once", () => {
  it("all complete with the right results, the work shared by both workers", async () => {
    const n = 1000;
    const started = Date.now();
    const ids = await Promise.all(Array.from({ length: n }, (_, i) => client.scheduleNewWorkflow("threeAdds", i)));
    expect(new Set(ids).size).toBe(n);
    const states = await Promise.all(ids.map((id) => client.waitForWorkflowCompletion(id, true, 170)));
    const elapsed = Date.now() - started;
    expect(states.filter((s) => s?.runtimeStatus === WorkflowRuntimeStatus.COMPLETED)).toHaveLength(n);
    expect(states.map((s) => JSON.parse(s!.serializedOutput!))).toEqual(Array.from({ length: n }, (_, i) => i + 111));
    expect(ranOn[0]! + ranOn[1]!).toBe(3 * n);
    expect(Math.min(ranOn[0]!, ranOn[1]!)).toBeGreaterThan(0);
    console.error(`1,000 three-activity workflows completed in ${(elapsed / 1000).toFixed(1)} s`);
  }, 180_000);
});
