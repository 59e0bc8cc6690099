// What an instance is still waiting for, derived from its history and inbox:
// activities scheduled but not answered, timers created but not fired, child
// workflows created but not finished. Deriving it (instead of storing it) is
// what lets a restarted sidecar resume exactly where the history says.
import { toMillis, type StringValue } from "./history.js";
import type { InstanceState } from "./instance-state.js";

export interface PendingWork {
  activities: { taskId: number; name: string; input?: StringValue }[];
  timers: { timerId: number; fireAt: number }[];
  children: { taskId: number; instanceId: string; name: string; input?: string }[];
}

export function pendingWork(s: InstanceState): PendingWork {
  const answeredTasks = new Set<number>();
  const firedTimers = new Set<number>();
  const finishedChildren = new Set<number>();
  const all = [...s.history, ...s.meta.inbox];
  for (const e of all) {
    if (e.taskCompleted) answeredTasks.add(e.taskCompleted.taskScheduledId);
    else if (e.taskFailed) answeredTasks.add(e.taskFailed.taskScheduledId);
    else if (e.timerFired) firedTimers.add(e.timerFired.timerId);
    else if (e.subOrchestrationInstanceCompleted) finishedChildren.add(e.subOrchestrationInstanceCompleted.taskScheduledId);
    else if (e.subOrchestrationInstanceFailed) finishedChildren.add(e.subOrchestrationInstanceFailed.taskScheduledId);
  }
  const out: PendingWork = { activities: [], timers: [], children: [] };
  for (const e of s.history) {
    if (e.taskScheduled && !answeredTasks.has(e.eventId)) out.activities.push({ taskId: e.eventId, name: e.taskScheduled.name, input: e.taskScheduled.input });
    else if (e.timerCreated && !firedTimers.has(e.eventId)) out.timers.push({ timerId: e.eventId, fireAt: toMillis(e.timerCreated.fireAt) });
    else if (e.subOrchestrationInstanceCreated && !finishedChildren.has(e.eventId)) {
      const c = e.subOrchestrationInstanceCreated;
      out.children.push({ taskId: e.eventId, instanceId: c.instanceId, name: c.name, input: c.input?.value });
    }
  }
  return out;
}
