// The same workflows on each kind of actor state store the issue names
// (Redis is covered by the other workflow tests): PostgreSQL and SQLite.
// Activities, a durable timer, an event, terminate and purge, with the SDK.
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { DaprWorkflowClient, WorkflowRuntime, WorkflowRuntimeStatus, type WorkflowActivityContext, type WorkflowContext } from "@dapr/dapr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSidecar } from "../support/sidecar-process.js";
import { services, uniqueName } from "../support/services.js";
import { muteSdkConsole, sdkOptions } from "./workflow-support.js";

function resources(type: string, metadata: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "dapr-ts-wf-store-"));
  const md = Object.entries({ ...metadata, actorStateStore: "true" }).map(([k, v]) => `    - name: ${k}\n      value: "${v}"`).join("\n");
  writeFileSync(path.join(dir, "statestore.yaml"), `apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: statestore\nspec:\n  type: ${type}\n  version: v1\n  metadata:\n${md}\n`);
  return dir;
}

const stores: [string, () => string][] = [
  ["PostgreSQL", () => resources("state.postgresql", { connectionString: services.postgres.connectionString, tableName: `wf_${process.pid}`, metadataTableName: `wf_meta_${process.pid}` })],
  ["SQLite", () => resources("state.sqlite", { connectionString: path.join(mkdtempSync(path.join(os.tmpdir(), "dapr-ts-wf-sqlite-")), "wf.db") })],
];

const add = async (_: WorkflowActivityContext, x: number) => x + 1;
const flow = async function* (ctx: WorkflowContext, n: number): any {
  const a: number = yield ctx.callActivity(add, n);
  yield ctx.createTimer(0.2);
  const b: number = yield ctx.waitForExternalEvent("more");
  return yield ctx.callActivity(add, a + b);
};

let unmute: () => void;
beforeAll(() => { unmute = muteSdkConsole(); });
afterAll(() => unmute?.());

for (const [label, dir] of stores) {
  describe(`workflows on ${label}`, () => {
    it("complete with activities, a timer and an event; terminate and purge work", async () => {
      const sc = await startSidecar({ appId: uniqueName("wf-store"), resourcesPaths: [dir()] });
      const runtime = new WorkflowRuntime(sdkOptions(sc.grpcPort)).registerWorkflow(flow).registerActivity(add);
      const client = new DaprWorkflowClient(sdkOptions(sc.grpcPort));
      try {
        await runtime.start();
        const id = await client.scheduleNewWorkflow(flow, 1);
        await client.waitForWorkflowStart(id, false, 10);
        await client.raiseEvent(id, "more", 10);
        const state = await client.waitForWorkflowCompletion(id, true, 30);
        expect(state?.workflowFailureDetails?.getErrorMessage()).toBeUndefined();
        expect(state?.runtimeStatus).toBe(WorkflowRuntimeStatus.COMPLETED);
        expect(JSON.parse(state!.serializedOutput!)).toBe(13);
        const waiting = await client.scheduleNewWorkflow(flow, 1);
        await client.waitForWorkflowStart(waiting, false, 10);
        await client.terminateWorkflow(waiting, null);
        expect((await client.waitForWorkflowCompletion(waiting, false, 10))?.runtimeStatus).toBe(WorkflowRuntimeStatus.TERMINATED);
        await client.purgeWorkflow(waiting);
        await client.purgeWorkflow(id);
        expect(await client.getWorkflowState(waiting, false)).toBeUndefined();
        expect(await client.getWorkflowState(id, false)).toBeUndefined();
      } finally {
        await runtime.stop().catch(() => {});
        await client.stop().catch(() => {});
        await sc.stop();
      }
    }, 60_000);
  });
}
