// The official SDK's workflow runtime and client, unchanged, against the
// sidecar: activities, fan-out/fan-in, timers, external events, child
// workflows, continue-as-new, custom status, suspend/resume, terminate and
// purge, plus the bad inputs (unknown workflow, duplicate id, malformed input,
// failing activity) and Dapr's HTTP and gRPC management APIs.
import * as grpc from "@grpc/grpc-js";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { DaprWorkflowClient, WorkflowRuntime, WorkflowRuntimeStatus, type WorkflowActivityContext, type WorkflowContext } from "@dapr/dapr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { daprProto, lookup } from "../../sidecar/api/grpc/protos.js";
import { main as historyCommand } from "../../cli/workflow-command.js";
import { startSidecar, type SidecarProcess } from "../support/sidecar-process.js";
import { uniqueName } from "../support/services.js";
import { json, muteSdkConsole, redisActorStoreDir, sdkOptions, until } from "./workflow-support.js";

let sidecar: SidecarProcess;
let resourcesDir: string;
let runtime: WorkflowRuntime;
let client: DaprWorkflowClient;
let unmute: () => void;
const calls = new Map<string, number>();

// ---- activities ----
const double = async (_: WorkflowActivityContext, n: number) => n * 2;
const greet = async (_: WorkflowActivityContext, name: string) => `hello ${name}`;
const square = async (_: WorkflowActivityContext, n: number) => {
  calls.set(`square:${n}`, (calls.get(`square:${n}`) ?? 0) + 1);
  return n * n;
};
const explode = async (_: WorkflowActivityContext, what: string) => {
  throw new Error(`cannot process ${what}`);
};
const count = async (_: WorkflowActivityContext, key: string) => {
  calls.set(key, (calls.get(key) ?? 0) + 1);
  return calls.get(key);
};

// ---- workflows ----
const threeSteps = async function* (ctx: WorkflowContext, n: number): any {
  const a: number = yield ctx.callActivity(double, n);
  const b: number = yield ctx.callActivity(double, a);
  const c: number = yield ctx.callActivity(double, b);
  return c;
};
const fanOut = async function* (ctx: WorkflowContext, n: number): any {
  const tasks = Array.from({ length: n }, (_, i) => ctx.callActivity(square, i + 1));
  const results: number[] = yield ctx.whenAll(tasks);
  return results.reduce((s, x) => s + x, 0);
};
const waitsForApproval = async function* (ctx: WorkflowContext): any {
  const approval = yield ctx.waitForExternalEvent("approval");
  return { approved: approval };
};
const napThenGreet = async function* (ctx: WorkflowContext, name: string): any {
  yield ctx.createTimer(1);
  return yield ctx.callActivity(greet, name);
};
const catchesFailure = async function* (ctx: WorkflowContext): any {
  try {
    yield ctx.callActivity(explode, "order-1");
    return "unreachable";
  } catch (err) {
    return `compensated: ${(err as Error).message}`;
  }
};
const failsOnActivity = async function* (ctx: WorkflowContext): any {
  yield ctx.callActivity(explode, "order-2");
};
const child = async function* (ctx: WorkflowContext, n: number): any {
  return yield ctx.callActivity(double, n);
};
const parent = async function* (ctx: WorkflowContext, n: number): any {
  const a: number = yield ctx.callChildWorkflow(child, n);
  const b: number = yield ctx.callChildWorkflow(child, a);
  return a + b;
};
const waitingChild = async function* (ctx: WorkflowContext): any {
  return yield ctx.waitForExternalEvent("never");
};
const parentOfWaiter = async function* (ctx: WorkflowContext, childId: string): any {
  return yield ctx.callChildWorkflow(waitingChild, undefined, childId);
};
const counter = async function* (ctx: WorkflowContext, n: number): any {
  ctx.setCustomStatus(`at ${n}`);
  if (n < 3) {
    yield ctx.callActivity(double, n);
    ctx.continueAsNew(n + 1, false);
    return;
  }
  return n;
};
const suspendable = async function* (ctx: WorkflowContext, key: string): any {
  yield ctx.waitForExternalEvent("go");
  return yield ctx.callActivity(count, key);
};

function opts() {
  return sdkOptions(sidecar.grpcPort);
}

beforeAll(async () => {
  unmute = muteSdkConsole();
  resourcesDir = redisActorStoreDir();
  sidecar = await startSidecar({ appId: uniqueName("wf-sdk"), resourcesPaths: [resourcesDir] });
  runtime = new WorkflowRuntime(opts());
  for (const w of [threeSteps, fanOut, waitsForApproval, napThenGreet, catchesFailure, failsOnActivity, child, parent, waitingChild, parentOfWaiter, counter, suspendable]) runtime.registerWorkflow(w);
  for (const a of [double, greet, square, explode, count]) runtime.registerActivity(a);
  await runtime.start();
  client = new DaprWorkflowClient(opts());
}, 30_000);

afterAll(async () => {
  await runtime?.stop().catch(() => {});
  await client?.stop().catch(() => {});
  await sidecar?.stop();
  unmute?.();
});

describe("workflows with the official SDK", () => {
  it("runs a three-activity workflow to completion and reports it over HTTP", async () => {
    const id = await client.scheduleNewWorkflow(threeSteps, 5);
    const state = await client.waitForWorkflowCompletion(id, true, 30);
    expect(state?.runtimeStatus).toBe(WorkflowRuntimeStatus.COMPLETED);
    expect(JSON.parse(state!.serializedOutput!)).toBe(40);
    const r = await sidecar.http(`/v1.0/workflows/dapr/${id}`);
    expect(r.status).toBe(200);
    const body = await json(r);
    expect(body).toMatchObject({ instanceID: id, workflowName: "threeSteps", runtimeStatus: "COMPLETED" });
    expect(body.properties["dapr.workflow.output"]).toBe("40");
    expect(body.properties["dapr.workflow.input"]).toBe("5");
  });

  it("fans out 100 activities and fans in to the right sum", async () => {
    const id = await client.scheduleNewWorkflow(fanOut, 100);
    const state = await client.waitForWorkflowCompletion(id, true, 60);
    expect(state?.runtimeStatus).toBe(WorkflowRuntimeStatus.COMPLETED);
    expect(JSON.parse(state!.serializedOutput!)).toBe((100 * 101 * 201) / 6);
    // each of the 100 activities ran exactly once
    expect(Array.from({ length: 100 }, (_, i) => calls.get(`square:${i + 1}`))).toEqual(Array.from({ length: 100 }, () => 1));
  }, 70_000);

  it("delivers an external event raised after the workflow waits", async () => {
    const id = await client.scheduleNewWorkflow(waitsForApproval);
    await client.waitForWorkflowStart(id, false, 10);
    await new Promise((r) => setTimeout(r, 200));
    await client.raiseEvent(id, "approval", true);
    const state = await client.waitForWorkflowCompletion(id, true, 20);
    expect(JSON.parse(state!.serializedOutput!)).toEqual({ approved: true });
  });

  it("keeps an external event raised before the workflow waits for it", async () => {
    const id = uniqueName("early");
    // a scheduled start one second ahead: the event is certainly in the inbox before the first turn
    await client.scheduleNewWorkflow(waitsForApproval, undefined, id, new Date(Date.now() + 1000));
    expect((await client.getWorkflowState(id, false))?.runtimeStatus).toBe(WorkflowRuntimeStatus.PENDING);
    await client.raiseEvent(id, "approval", "yes");
    const state = await client.waitForWorkflowCompletion(id, true, 20);
    expect(JSON.parse(state!.serializedOutput!)).toEqual({ approved: "yes" });
  });

  it("fires durable timers", async () => {
    const started = Date.now();
    const id = await client.scheduleNewWorkflow(napThenGreet, "timer");
    const state = await client.waitForWorkflowCompletion(id, true, 20);
    expect(JSON.parse(state!.serializedOutput!)).toBe("hello timer");
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  });

  it("runs child workflows and returns their results to the parent", async () => {
    const id = await client.scheduleNewWorkflow(parent, 3);
    const state = await client.waitForWorkflowCompletion(id, true, 30);
    expect(state?.runtimeStatus).toBe(WorkflowRuntimeStatus.COMPLETED);
    expect(JSON.parse(state!.serializedOutput!)).toBe(6 + 12);
  });

  it("continues as new with a fresh history and shows the custom status", async () => {
    const id = await client.scheduleNewWorkflow(counter, 0);
    const state = await client.waitForWorkflowCompletion(id, true, 30);
    expect(state?.runtimeStatus).toBe(WorkflowRuntimeStatus.COMPLETED);
    expect(JSON.parse(state!.serializedOutput!)).toBe(3);
    expect(state?.customStatus).toBe("at 3");
  });

  it("suspends and resumes: events wait while suspended", async () => {
    const key = uniqueName("susp");
    const id = await client.scheduleNewWorkflow(suspendable, key);
    await client.waitForWorkflowStart(id, false, 10);
    await client.suspendWorkflow(id);
    expect((await client.getWorkflowState(id, false))?.runtimeStatus).toBe(WorkflowRuntimeStatus.SUSPENDED);
    await client.raiseEvent(id, "go", 1);
    await new Promise((r) => setTimeout(r, 500));
    expect(calls.get(key)).toBeUndefined();
    expect((await client.getWorkflowState(id, false))?.runtimeStatus).toBe(WorkflowRuntimeStatus.SUSPENDED);
    await client.resumeWorkflow(id);
    const state = await client.waitForWorkflowCompletion(id, true, 20);
    expect(state?.runtimeStatus).toBe(WorkflowRuntimeStatus.COMPLETED);
    expect(calls.get(key)).toBe(1);
  });

  it("terminates a waiting workflow, purges it, and then it is gone", async () => {
    const id = await client.scheduleNewWorkflow(waitsForApproval);
    await client.waitForWorkflowStart(id, false, 10);
    await client.terminateWorkflow(id, "stopped by test");
    const state = await client.waitForWorkflowCompletion(id, true, 10);
    expect(state?.runtimeStatus).toBe(WorkflowRuntimeStatus.TERMINATED);
    await client.purgeWorkflow(id);
    expect(await client.getWorkflowState(id, false)).toBeUndefined();
    const r = await sidecar.http(`/v1.0/workflows/dapr/${id}`);
    expect(r.status).toBe(404);
    expect((await json(r)).errorCode).toBe("ERR_INSTANCE_ID_NOT_FOUND");
  });

  it("terminates child workflows with their parent", async () => {
    const childId = uniqueName("child");
    const id = await client.scheduleNewWorkflow(parentOfWaiter, childId);
    await until(async () => (await client.getWorkflowState(childId, false))?.runtimeStatus === WorkflowRuntimeStatus.RUNNING, 10_000, "child running");
    await client.terminateWorkflow(id, null);
    const childState = await client.waitForWorkflowCompletion(childId, false, 10);
    expect(childState?.runtimeStatus).toBe(WorkflowRuntimeStatus.TERMINATED);
  });
});

describe("dapr-ts workflow history", () => {
  it("prints a finished workflow's history as a timeline, read from the state store", async () => {
    const id = await client.scheduleNewWorkflow(catchesFailure);
    await client.waitForWorkflowCompletion(id, true, 20);
    const out: string[] = [];
    const write = process.stdout.write;
    process.stdout.write = ((chunk: string) => { out.push(String(chunk)); return true; }) as typeof process.stdout.write;
    let code: number;
    try {
      code = await historyCommand(["history", id, "--app-id", sidecar.appId, "--resources-path", resourcesDir]);
    } finally {
      process.stdout.write = write;
    }
    expect(code).toBe(0);
    const text = out.join("");
    expect(text).toContain(`workflow ${id} (catchesFailure): COMPLETED`);
    expect(text).toMatch(/#1\s+TaskScheduled\s+explode input="order-1"/);
    expect(text).toMatch(/TaskFailed\s+task=1 error=cannot process order-1/);
    expect(text).toMatch(/ExecutionCompleted\s+COMPLETED output=/);
    expect(await historyCommand(["history", "no-such-id", "--app-id", sidecar.appId, "--resources-path", resourcesDir])).toBe(1);
    expect(await historyCommand(["history", id])).toBe(2);
  });
});

describe("bad input", () => {
  it("fails an instance of an unknown workflow, with a clear error in its status", async () => {
    const id = await client.scheduleNewWorkflow("noSuchWorkflow", 1);
    const state = await client.waitForWorkflowCompletion(id, true, 20);
    expect(state?.runtimeStatus).toBe(WorkflowRuntimeStatus.FAILED);
    expect(state?.workflowFailureDetails?.getErrorMessage()).toMatch(/noSuchWorkflow/);
    const body = await json(sidecar.http(`/v1.0/workflows/dapr/${id}`));
    expect(body.runtimeStatus).toBe("FAILED");
    expect(body.properties["dapr.workflow.failure.error_message"]).toMatch(/noSuchWorkflow/);
  });

  it("refuses an instance id that is already running", async () => {
    const id = uniqueName("dup");
    await client.scheduleNewWorkflow(waitsForApproval, undefined, id);
    await expect(client.scheduleNewWorkflow(waitsForApproval, undefined, id)).rejects.toThrow(/already exists/);
    const r = await sidecar.http(`/v1.0-beta1/workflows/dapr/waitsForApproval/start?instanceID=${id}`, { method: "POST" });
    expect(r.status).toBe(409);
    expect((await json(r)).message).toMatch(/already exists/);
    await client.terminateWorkflow(id, null);
  });

  it("rejects a malformed input payload and a too-long or illegal instance id", async () => {
    const r = await sidecar.http("/v1.0/workflows/dapr/threeSteps/start", { method: "POST", body: "{not json" });
    expect(r.status).toBe(400);
    expect((await json(r)).message).toMatch(/must be JSON/);
    const bad = await sidecar.http("/v1.0/workflows/dapr/threeSteps/start?instanceID=a||b", { method: "POST", body: "1" });
    expect(bad.status).toBe(400);
    expect((await json(bad)).errorCode).toBe("ERR_INSTANCE_ID_INVALID");
    const long = await sidecar.http(`/v1.0/workflows/dapr/threeSteps/start?instanceID=${"x".repeat(65)}`, { method: "POST", body: "1" });
    expect(long.status).toBe(400);
    expect((await json(long)).errorCode).toBe("ERR_INSTANCE_ID_TOO_LONG");
    const comp = await sidecar.http("/v1.0/workflows/temporal/threeSteps/start", { method: "POST", body: "1" });
    expect(comp.status).toBe(400);
    expect((await json(comp)).errorCode).toBe("ERR_WORKFLOW_COMPONENT_NOT_FOUND");
  });

  it("hands an activity's failure to the workflow, and to the status when not caught", async () => {
    const caught = await client.scheduleNewWorkflow(catchesFailure);
    const s1 = await client.waitForWorkflowCompletion(caught, true, 20);
    expect(s1?.runtimeStatus).toBe(WorkflowRuntimeStatus.COMPLETED);
    expect(JSON.parse(s1!.serializedOutput!)).toMatch(/compensated: .*cannot process order-1/);
    const uncaught = await client.scheduleNewWorkflow(failsOnActivity);
    const s2 = await client.waitForWorkflowCompletion(uncaught, true, 20);
    expect(s2?.runtimeStatus).toBe(WorkflowRuntimeStatus.FAILED);
    expect(s2?.workflowFailureDetails?.getErrorMessage()).toMatch(/cannot process order-2/);
  });

  it("answers operations on an unknown instance with not found", async () => {
    await expect(client.raiseEvent("no-such-instance", "x", 1)).rejects.toThrow(/unable to find workflow/);
    const r = await sidecar.http("/v1.0/workflows/dapr/no-such-instance/terminate", { method: "POST" });
    expect(r.status).toBe(404);
  });

  it("refuses to purge a running workflow", async () => {
    const id = await client.scheduleNewWorkflow(waitsForApproval);
    const r = await sidecar.http(`/v1.0/workflows/dapr/${id}/purge`, { method: "POST" });
    expect(r.status).toBe(400);
    expect((await json(r)).message).toMatch(/only completed, failed or terminated/);
    await client.terminateWorkflow(id, null);
  });
});

describe("Dapr's workflow management API", () => {
  it("starts, pauses, resumes, raises events and purges over HTTP with 202s", async () => {
    const id = uniqueName("http");
    const start = await sidecar.http(`/v1.0/workflows/dapr/waitsForApproval/start?instanceID=${id}`, { method: "POST" });
    expect(start.status).toBe(202);
    expect(await json(start)).toEqual({ instanceID: id });
    await client.waitForWorkflowStart(id, false, 10);
    expect((await sidecar.http(`/v1.0-beta1/workflows/dapr/${id}/pause`, { method: "POST" })).status).toBe(202);
    expect((await json(sidecar.http(`/v1.0-alpha1/workflows/dapr/${id}`))).runtimeStatus).toBe("SUSPENDED");
    expect((await sidecar.http(`/v1.0/workflows/dapr/${id}/resume`, { method: "POST" })).status).toBe(202);
    expect((await sidecar.http(`/v1.0/workflows/dapr/${id}/raiseEvent/approval`, { method: "POST", body: '"ok"' })).status).toBe(202);
    const state = await client.waitForWorkflowCompletion(id, true, 20);
    expect(JSON.parse(state!.serializedOutput!)).toEqual({ approved: "ok" });
    expect((await sidecar.http(`/v1.0/workflows/dapr/${id}/purge`, { method: "POST" })).status).toBe(202);
    expect((await sidecar.http(`/v1.0/workflows/dapr/${id}`)).status).toBe(404);
  });

  it("serves the Dapr gRPC workflow RPCs (Beta1 and Alpha1)", async () => {
    // The SDK's DaprClient has no gRPC workflow client, so call the RPCs directly.
    const Dapr = lookup<grpc.ServiceClientConstructor>(daprProto(), "dapr.proto.runtime.v1.Dapr");
    const stub = new Dapr(`127.0.0.1:${sidecar.grpcPort}`, grpc.credentials.createInsecure()) as any;
    const call = (rpc: string, req: object) => new Promise<any>((resolve, reject) => stub[rpc](req, (e: Error | null, r: unknown) => (e ? reject(e) : resolve(r))));
    try {
      const { instance_id: id } = await call("StartWorkflowBeta1", { workflow_component: "dapr", workflow_name: "threeSteps", input: Buffer.from("2") });
      await client.waitForWorkflowCompletion(id, true, 20);
      const got = await call("GetWorkflowAlpha1", { workflow_component: "dapr", instance_id: id });
      expect(got).toMatchObject({ instance_id: id, workflow_name: "threeSteps", runtime_status: "COMPLETED" });
      expect(got.properties["dapr.workflow.output"]).toBe("16");
      await call("PurgeWorkflowBeta1", { workflow_component: "dapr", instance_id: id });
      await expect(call("GetWorkflowBeta1", { workflow_component: "dapr", instance_id: id })).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
      await expect(call("StartWorkflowBeta1", { workflow_component: "", workflow_name: "threeSteps" })).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
    } finally {
      stub.close();
    }
  });

  it("shows connected workers in the metadata API and counts executions in metrics", async () => {
    const meta = await json(sidecar.http("/v1.0/metadata"));
    expect(meta.workflows).toEqual({ connectedWorkers: 1 });
    const metrics = await (await fetch(`http://127.0.0.1:${sidecar.metricsPort}/metrics`)).text();
    expect(metrics).toMatch(/dapr_runtime_workflow_execution_count\{[^}]*workflow_name="threeSteps"[^}]*status="success"\} \d+/);
    expect(metrics).toMatch(/dapr_runtime_workflow_activity_execution_count\{[^}]*activity_name="double"/);
  });
});

describe("a sidecar without an actor state store", () => {
  it("refuses workflow calls with an error that says what to configure", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "dapr-ts-wf-noactor-"));
    writeFileSync(path.join(dir, "state.yaml"), "apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: plain\nspec:\n  type: state.in-memory\n  version: v1\n  metadata: []\n");
    const sc = await startSidecar({ appId: uniqueName("wf-noactor"), resourcesPaths: [dir] });
    const c = new DaprWorkflowClient(sdkOptions(sc.grpcPort));
    try {
      await expect(c.scheduleNewWorkflow("anything", 1)).rejects.toThrow(/actorStateStore/);
      const r = await sc.http("/v1.0/workflows/dapr/anything/start", { method: "POST", body: "1" });
      expect(r.status).toBe(500);
      expect((await json(r)).message).toMatch(/actorStateStore: true/);
    } finally {
      await c.stop().catch(() => {});
      await sc.stop();
    }
  });
});
