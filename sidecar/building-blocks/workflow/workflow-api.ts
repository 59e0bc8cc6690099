// Dapr's workflow management API (component "dapr"), once for HTTP and gRPC:
// validates the component and ids, maps onto the engine, and shapes the
// answers as Dapr does (status names without prefix, `dapr.workflow.*` properties).
import { Errors } from "../../errors/catalog.js";
import type { WorkflowEngine } from "./engine.js";
import { daprStatusName } from "./history.js";
import type { InstanceMetadata } from "./instance-state.js";

export const WORKFLOW_COMPONENT = "dapr";
const MAX_INSTANCE_ID_LENGTH = 64;

export interface WorkflowInfo {
  instanceID: string;
  workflowName: string;
  createdAt: string;
  lastUpdatedAt: string;
  runtimeStatus: string;
  properties: Record<string, string>;
}

export class WorkflowApi {
  constructor(private readonly engine: () => WorkflowEngine) {}

  private check(component: string, instanceId?: string): void {
    if (!component) throw Errors.workflowComponentNotFound("(empty)");
    if (component !== WORKFLOW_COMPONENT) throw Errors.workflowComponentNotFound(component);
    if (instanceId !== undefined && !instanceId) throw Errors.workflowInstanceIdMissing();
  }

  async start(component: string, name: string, instanceId: string | undefined, input: string | undefined): Promise<string> {
    this.check(component);
    if (!name) throw Errors.workflowNameMissing();
    if (instanceId) {
      // Dapr's rules for ids it creates: short enough for any store's keys, letters, digits, '-' and '_'.
      if (instanceId.length > MAX_INSTANCE_ID_LENGTH) throw Errors.workflowInstanceIdTooLong(MAX_INSTANCE_ID_LENGTH);
      if (!/^[\p{L}\p{N}_-]+$/u.test(instanceId)) throw Errors.workflowInstanceIdInvalid(instanceId);
    }
    return this.engine().startInstance({ instanceId: instanceId || undefined, name, input: input === "" ? undefined : input });
  }

  async get(component: string, instanceId: string): Promise<WorkflowInfo> {
    this.check(component, instanceId);
    const m = await this.engine().getInstance(instanceId);
    if (!m) throw Errors.workflowInstanceNotFound(instanceId);
    return info(m);
  }

  async terminate(component: string, instanceId: string): Promise<void> {
    this.check(component, instanceId);
    await this.engine().terminate(instanceId, undefined, true);
  }

  async pause(component: string, instanceId: string): Promise<void> {
    this.check(component, instanceId);
    await this.engine().suspend(instanceId);
  }

  async resume(component: string, instanceId: string): Promise<void> {
    this.check(component, instanceId);
    await this.engine().resume(instanceId);
  }

  async purge(component: string, instanceId: string): Promise<void> {
    this.check(component, instanceId);
    await this.engine().purge(instanceId);
  }

  async raiseEvent(component: string, instanceId: string, eventName: string, data: string | undefined): Promise<void> {
    this.check(component, instanceId);
    if (!eventName) throw Errors.workflowEventNameMissing();
    await this.engine().raiseEvent(instanceId, eventName, data === "" ? undefined : data);
  }
}

export function info(m: InstanceMetadata): WorkflowInfo {
  const properties: Record<string, string> = {};
  if (m.input !== undefined) properties["dapr.workflow.input"] = m.input;
  if (m.output !== undefined) properties["dapr.workflow.output"] = m.output;
  if (m.customStatus !== undefined) properties["dapr.workflow.custom_status"] = m.customStatus;
  if (m.failureDetails) {
    properties["dapr.workflow.failure.error_type"] = m.failureDetails.errorType;
    properties["dapr.workflow.failure.error_message"] = m.failureDetails.errorMessage;
  }
  return {
    instanceID: m.instanceId,
    workflowName: m.name,
    createdAt: new Date(m.createdAt).toISOString(),
    lastUpdatedAt: new Date(m.lastUpdatedAt).toISOString(),
    runtimeStatus: daprStatusName(m.status),
    properties,
  };
}
