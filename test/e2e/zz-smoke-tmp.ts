import { DaprWorkflowClient, WorkflowRuntime, WorkflowContext, WorkflowActivityContext } from "@dapr/dapr";
import { startSidecar } from "/work/main/test/support/sidecar-process.js";
import { writeFileSync, mkdtempSync } from "node:fs";
import path from "node:path"; import os from "node:os";

const dir = mkdtempSync(path.join(os.tmpdir(), "wf-"));
writeFileSync(path.join(dir, "redis.yaml"), `apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: statestore
spec:
  type: state.redis
  version: v1
  metadata:
    - name: redisHost
      value: 127.0.0.1:6379
    - name: actorStateStore
      value: "true"
`);
const sc = await startSidecar({ resourcesPaths: [dir] });
const opts = { daprHost: "127.0.0.1", daprPort: String(sc.grpcPort), logger: { level: 1 as any } };
const rt = new WorkflowRuntime(opts);
const hello = async (_: WorkflowActivityContext, name: string) => `Hello ${name}`;
const wf = async function* (ctx: WorkflowContext, input: string): any {
  const a = yield ctx.callActivity(hello, input);
  const b = yield ctx.callActivity(hello, a);
  return b;
};
rt.registerWorkflow(wf).registerActivity(hello);
await rt.start();
const client = new DaprWorkflowClient(opts);
const id = await client.scheduleNewWorkflow(wf, "world");
const st = await client.waitForWorkflowCompletion(id, true, 20);
console.error("RESULT", st?.runtimeStatus, st?.serializedOutput);
const r = await sc.http(`/v1.0/workflows/dapr/${id}`); console.error(r.status, await r.text());
await rt.stop(); await client.stop(); await sc.stop();
console.error(sc.logs().split("\n").filter(l=>/workflow|error/i.test(l)).slice(0,20).join("\n"));
