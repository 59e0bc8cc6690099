// One orchestrator turn's answer applied to an instance: the worker's actions
// become history events (ids as the SDK numbered them), completion ends or
// restarts (continue-as-new) the execution, and the side effects to run once
// the change is saved are listed. Pure apart from new execution ids.
import { randomUUID } from "node:crypto";
import { cleanEvent, isTerminal, newEvent, sv, type FailureDetails, type HistoryEvent, type OrchestrationStatus, type ParentInstance } from "./history.js";
import type { InstanceState } from "./instance-state.js";

export interface OrchestratorResponse {
  instanceId: string;
  actions?: OrchestratorAction[];
  customStatus?: { value: string } | null;
}

export interface OrchestratorAction {
  id: number;
  scheduleTask?: { name: string; input?: { value: string } | null };
  createSubOrchestration?: { instanceId: string; name: string; input?: { value: string } | null };
  createTimer?: { fireAt: { seconds: number; nanos: number } };
  sendEvent?: { instance?: { instanceId: string }; name: string; data?: { value: string } | null };
  completeOrchestration?: {
    orchestrationStatus: OrchestrationStatus; result?: { value: string } | null; failureDetails?: FailureDetails | null; carryoverEvents?: HistoryEvent[];
  };
  terminateOrchestration?: { instanceId: string; reason?: { value: string } | null; recurse?: boolean };
}

export interface ActivityResponse {
  instanceId: string;
  taskId: number;
  result?: { value: string } | null;
  failureDetails?: FailureDetails | null;
}

/** What a change asks for once it is durable. */
export interface Effects {
  children?: { instanceId: string; name: string; input?: string; parent: ParentInstance }[];
  sends?: { instanceId: string; name: string; input?: string }[];
  terminateOthers?: { instanceId: string; output?: string }[];
  terminateChildren?: string[];
  finished?: boolean;
}

export type Change = { state: InstanceState; effects?: Effects } | undefined;

export interface Turn {
  executionId: string;
  newEvents: HistoryEvent[];
  dispatchedAt: number;
}

export function applyTurn(s: InstanceState, turn: Turn, res: OrchestratorResponse): Change {
  if (isTerminal(s.meta.status) || s.meta.executionId !== turn.executionId) return undefined;
  const now = Date.now();
  const effects: Effects = { children: [], sends: [], terminateOthers: [] };
  const events: HistoryEvent[] = [...turn.newEvents];
  s.meta.inbox.splice(0, turn.newEvents.length - 1); // newEvents = orchestratorStarted + the inbox prefix sent
  if (s.meta.status === "ORCHESTRATION_STATUS_PENDING") s.meta.status = "ORCHESTRATION_STATUS_RUNNING";
  let completion: OrchestratorAction["completeOrchestration"];
  for (const a of res.actions ?? []) {
    if (a.scheduleTask) {
      events.push(newEvent("taskScheduled", { name: a.scheduleTask.name, input: a.scheduleTask.input ?? undefined }, a.id, now));
    } else if (a.createTimer) {
      events.push(newEvent("timerCreated", { fireAt: a.createTimer.fireAt }, a.id, now));
    } else if (a.createSubOrchestration) {
      const c = a.createSubOrchestration;
      events.push(newEvent("subOrchestrationInstanceCreated", { instanceId: c.instanceId, name: c.name, input: c.input ?? undefined }, a.id, now));
      effects.children!.push({
        instanceId: c.instanceId, name: c.name, input: c.input?.value,
        parent: { taskScheduledId: a.id, name: sv(s.meta.name), orchestrationInstance: { instanceId: s.meta.instanceId, executionId: sv(s.meta.executionId) } },
      });
    } else if (a.sendEvent) {
      const target = a.sendEvent.instance?.instanceId ?? "";
      events.push(newEvent("eventSent", { instanceId: target, name: a.sendEvent.name, input: a.sendEvent.data ?? undefined }, a.id, now));
      effects.sends!.push({ instanceId: target, name: a.sendEvent.name, input: a.sendEvent.data?.value });
    } else if (a.terminateOrchestration) {
      effects.terminateOthers!.push({ instanceId: a.terminateOrchestration.instanceId, output: a.terminateOrchestration.reason?.value });
    } else if (a.completeOrchestration) {
      completion = a.completeOrchestration;
    }
  }
  events.push(newEvent("orchestratorCompleted", {}, -1, now));
  s.history.push(...events);
  if (res.customStatus) s.meta.customStatus = res.customStatus.value;
  if (completion) {
    const status = completion.orchestrationStatus;
    const result = completion.result?.value;
    if (status === "ORCHESTRATION_STATUS_CONTINUED_AS_NEW") {
      // A fresh execution with the new input; events raised meanwhile (and carried over ones) stay.
      const executionId = randomUUID();
      const carried = (completion.carryoverEvents ?? []).map((e) => cleanEvent(e));
      s.meta.executionId = executionId;
      s.meta.input = result;
      s.meta.output = undefined;
      s.meta.failureDetails = undefined;
      s.meta.status = "ORCHESTRATION_STATUS_RUNNING";
      s.meta.inbox = [
        newEvent("executionStarted", {
          name: s.meta.name, input: sv(result), orchestrationInstance: { instanceId: s.meta.instanceId, executionId: sv(executionId) }, parentInstance: s.meta.parent,
        }, -1, now),
        ...carried,
        ...s.meta.inbox,
      ];
      s.history = [];
      effects.children = [];
    } else {
      s.history.push(newEvent("executionCompleted", { orchestrationStatus: status, result: sv(result), failureDetails: completion.failureDetails ?? undefined }, -1, now));
      s.meta.status = status;
      s.meta.output = result;
      s.meta.failureDetails = completion.failureDetails ?? undefined;
      s.meta.inbox = [];
      effects.finished = true;
    }
  }
  return { state: s, effects };
}
