// TaskHubSidecarService (the durabletask protocol the Dapr SDKs speak; a
// service without a proto package, so methods are `/TaskHubSidecarService/X`).
// Adapters only: each RPC maps onto the engine.
import * as grpc from "@grpc/grpc-js";
import { taskHubService } from "../../api/grpc/protos.js";
import { Errors } from "../../errors/catalog.js";
import { toServiceError, unary, type GrpcHandlers } from "../../api/grpc/grpc-helpers.js";
import type { ExtraService } from "../../api/grpc/grpc-server.js";
import type { ActivityResponse, OrchestratorResponse } from "./apply-turn.js";
import type { WorkflowEngine } from "./engine.js";
import { isTerminal, timestamp, toMillis } from "./history.js";
import type { InstanceMetadata } from "./instance-state.js";

/** The OrchestrationState message for an instance. */
export function orchestrationState(m: InstanceMetadata, withPayloads: boolean): Record<string, unknown> {
  return {
    instanceId: m.instanceId,
    name: m.name,
    orchestrationStatus: m.status,
    createdTimestamp: timestamp(m.createdAt),
    lastUpdatedTimestamp: timestamp(m.lastUpdatedAt),
    scheduledStartTimestamp: m.startAt ? timestamp(m.startAt) : undefined,
    input: withPayloads && m.input !== undefined ? { value: m.input } : undefined,
    output: withPayloads && m.output !== undefined ? { value: m.output } : undefined,
    customStatus: m.customStatus !== undefined ? { value: m.customStatus } : undefined,
    failureDetails: m.failureDetails,
  };
}

function instanceResponse(m: InstanceMetadata | undefined, withPayloads: boolean) {
  return m ? { exists: true, orchestrationState: orchestrationState(m, withPayloads) } : { exists: false };
}

/** Aborts when the client gives up on a long call (its own timeout, or a disconnect). */
function callSignal(call: grpc.ServerUnaryCall<unknown, unknown>): AbortSignal {
  const ac = new AbortController();
  call.on("cancelled", () => ac.abort());
  return ac.signal;
}

export function taskHubHandlers(engine: () => WorkflowEngine): GrpcHandlers {
  return {
    Hello: unary(async () => {
      engine();
      return {};
    }),
    StartInstance: unary(async (req: any) => {
      const instanceId = await engine().startInstance({
        instanceId: req.instanceId || undefined, name: req.name, input: req.input?.value ?? undefined,
        startAt: req.scheduledStartTimestamp ? toMillis(req.scheduledStartTimestamp) : undefined,
      });
      return { instanceId };
    }),
    GetInstance: unary(async (req: any) => instanceResponse(await engine().getInstance(req.instanceId), req.getInputsAndOutputs)),
    WaitForInstanceStart: unary(async (req: any, call) => instanceResponse(
      await engine().waitFor(req.instanceId, (m) => m.status !== "ORCHESTRATION_STATUS_PENDING", callSignal(call)), req.getInputsAndOutputs)),
    WaitForInstanceCompletion: unary(async (req: any, call) => instanceResponse(
      await engine().waitFor(req.instanceId, (m) => isTerminal(m.status), callSignal(call)), req.getInputsAndOutputs)),
    RaiseEvent: unary(async (req: any) => {
      await engine().raiseEvent(req.instanceId, req.name, req.input?.value ?? undefined);
      return {};
    }),
    TerminateInstance: unary(async (req: any) => {
      // Dapr terminates child workflows too; older SDKs leave `recursive` unset.
      await engine().terminate(req.instanceId, req.output?.value ?? undefined, true);
      return {};
    }),
    SuspendInstance: unary(async (req: any) => {
      await engine().suspend(req.instanceId, req.reason?.value ?? undefined);
      return {};
    }),
    ResumeInstance: unary(async (req: any) => {
      await engine().resume(req.instanceId, req.reason?.value ?? undefined);
      return {};
    }),
    PurgeInstances: unary(async (req: any) => {
      if (!req.instanceId) throw Errors.notImplemented("purging workflows by filter (purge by instance ID instead)");
      return { deletedInstanceCount: await engine().purge(req.instanceId) };
    }),
    CompleteOrchestratorTask: unary(async (req: OrchestratorResponse) => {
      await engine().completeOrchestration(req);
      return {};
    }),
    CompleteActivityTask: unary(async (req: ActivityResponse) => {
      await engine().completeActivity(req);
      return {};
    }),
    GetWorkItems: ((call: grpc.ServerWritableStream<unknown, unknown>) => {
      let dispatcher;
      try {
        dispatcher = engine().dispatcher;
      } catch (err) {
        call.emit("error", toServiceError(err));
        return;
      }
      const stream = dispatcher.attach(call);
      let gone = false;
      const leave = () => {
        if (gone) return;
        gone = true;
        dispatcher.detach(stream);
      };
      call.on("cancelled", leave);
      call.on("close", leave);
      call.on("error", leave);
      call.on("finish", leave);
    }) as grpc.UntypedHandleCall,
  };
}

export function taskHubExtraService(engine: () => WorkflowEngine): ExtraService {
  return { service: taskHubService(), handlers: taskHubHandlers(engine), tokenProtected: true };
}
