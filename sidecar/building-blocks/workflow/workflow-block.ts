// Workflows as a building block: the durabletask protocol for the app's
// workers (TaskHubSidecarService on the gRPC API port), Dapr's management API
// over HTTP and gRPC, and the workflow section of the metadata API.
import os from "node:os";
import { boolProp } from "../../components/component.js";
import { Errors } from "../../errors/catalog.js";
import type { BlockFactory } from "../../runtime/building-block.js";
import { WorkflowEngine } from "./engine.js";
import { taskHubExtraService } from "./taskhub-grpc.js";
import { WorkflowApi } from "./workflow-api.js";
import { workflowDaprGrpcHandlers } from "./workflow-dapr-grpc.js";
import { registerWorkflowHttp } from "./workflow-http.js";
import { workflowMetrics } from "./workflow-metrics.js";
import { WorkflowStore } from "./workflow-store.js";

export const workflowBlock: BlockFactory = (ctx) => {
  const log = ctx.rt.logger.child("workflow");
  workflowMetrics.setNamespace(ctx.rt.namespace);
  // The host id names this sidecar as owner of the instances it runs. It is
  // stable across restarts on the same host and port, so a restarted sidecar
  // reclaims its instances at once instead of waiting for its old lease to lapse.
  const port = ctx.opts.daprGrpcPort || `${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const hostId = `${os.hostname()}|${ctx.opts.appId}|${port}`;

  let engine: WorkflowEngine | undefined;
  let setupError: Error | undefined;
  const component = ctx.rt.hub.list("state").find((c) => boolProp(c.properties, "actorStateStore", false));
  if (!component) {
    setupError = Errors.workflowStoreMissing();
  } else {
    try {
      const store = new WorkflowStore(component.instance, ctx.rt.appId, ctx.rt.namespace, component.name, component.type);
      engine = new WorkflowEngine({ store, hostId: () => hostId, appId: ctx.rt.appId, namespace: ctx.rt.namespace, log });
    } catch (err) {
      setupError = Errors.workflowStoreMissing();
      log.error("workflows are unavailable", { error: (err as Error).message });
    }
  }
  // The engine's heartbeats and recovery sweeps start with the first workflow call (a worker's
  // Hello or GetWorkItems, or a management call): a sidecar whose app never uses workflows then
  // writes nothing to its state store every two seconds, and the embedded default's SQLite stays
  // unloaded. Instances left active by an earlier run resume once a worker connects, which is
  // when they can run at all.
  let started = false;
  const getEngine = () => {
    if (!engine) throw setupError ?? Errors.workflowStoreMissing();
    if (!started) {
      started = true;
      engine.start();
      log.info("workflow engine started", { state_store: component!.name, host_id: hostId });
    }
    return engine;
  };
  ctx.shared.set("workflow", getEngine);
  ctx.metadata.sources.workflows = () => ({ connectedWorkers: engine?.dispatcher.connectedWorkers ?? 0 });
  const api = new WorkflowApi(getEngine);

  return {
    name: "workflow",
    http: (r) => registerWorkflowHttp(r, api),
    grpc: workflowDaprGrpcHandlers(api),
    grpcServices: [taskHubExtraService(getEngine)],
    stop: async () => {
      await engine?.stop();
    },
  };
};
