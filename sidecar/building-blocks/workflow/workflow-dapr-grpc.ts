// The workflow RPCs of the `Dapr` gRPC service (*WorkflowAlpha1 and
// *WorkflowBeta1 are the same calls); adapters over WorkflowApi.
import { unary, type GrpcHandlers } from "../../api/grpc/grpc-helpers.js";
import type { WorkflowApi } from "./workflow-api.js";

export function workflowDaprGrpcHandlers(api: WorkflowApi): GrpcHandlers {
  const text = (b: Buffer | undefined | null) => (b && b.length ? b.toString("utf8") : undefined);
  const base: GrpcHandlers = {
    StartWorkflow: unary(async (req: any) => ({
      instance_id: await api.start(req.workflow_component, req.workflow_name, req.instance_id || undefined, text(req.input)),
    })),
    GetWorkflow: unary(async (req: any) => {
      const w = await api.get(req.workflow_component, req.instance_id);
      const ts = (iso: string) => {
        const ms = Date.parse(iso);
        return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 };
      };
      return {
        instance_id: w.instanceID, workflow_name: w.workflowName, created_at: ts(w.createdAt), last_updated_at: ts(w.lastUpdatedAt),
        runtime_status: w.runtimeStatus, properties: w.properties,
      };
    }),
    PurgeWorkflow: unary(async (req: any) => { await api.purge(req.workflow_component, req.instance_id); return {}; }),
    TerminateWorkflow: unary(async (req: any) => { await api.terminate(req.workflow_component, req.instance_id); return {}; }),
    PauseWorkflow: unary(async (req: any) => { await api.pause(req.workflow_component, req.instance_id); return {}; }),
    ResumeWorkflow: unary(async (req: any) => { await api.resume(req.workflow_component, req.instance_id); return {}; }),
    RaiseEventWorkflow: unary(async (req: any) => {
      await api.raiseEvent(req.workflow_component, req.instance_id, req.event_name, text(req.event_data));
      return {};
    }),
  };
  const out: GrpcHandlers = {};
  for (const [name, h] of Object.entries(base)) {
    out[`${name}Alpha1`] = h;
    out[`${name}Beta1`] = h;
  }
  return out;
}
