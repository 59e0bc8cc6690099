import { describe, expect, it } from "vitest";
import { newEvent, sv, timestamp } from "./history.js";
import type { InstanceState } from "./instance-state.js";
import { pendingWork } from "./pending-work.js";

function state(history: InstanceState["history"], inbox: InstanceState["history"] = []): InstanceState {
  return {
    meta: { instanceId: "i", name: "w", executionId: "e", status: "ORCHESTRATION_STATUS_RUNNING", createdAt: 0, lastUpdatedAt: 0, inbox, historyLength: history.length, version: 1, owner: "h" },
    history,
  };
}

describe("pendingWork", () => {
  it("lists activities, timers and children that have no answer in history or inbox", () => {
    const s = state([
      newEvent("executionStarted", { name: "w" }),
      newEvent("taskScheduled", { name: "a", input: sv("1") }, 1),
      newEvent("taskScheduled", { name: "b" }, 2),
      newEvent("timerCreated", { fireAt: timestamp(5000) }, 3),
      newEvent("subOrchestrationInstanceCreated", { instanceId: "child", name: "c" }, 4),
      newEvent("taskCompleted", { taskScheduledId: 1, result: sv("2") }),
    ], [newEvent("taskFailed", { taskScheduledId: 2, failureDetails: { errorType: "E", errorMessage: "x" } })]);
    const w = pendingWork(s);
    expect(w.activities).toEqual([]);
    expect(w.timers).toEqual([{ timerId: 3, fireAt: 5000 }]);
    expect(w.children).toEqual([{ taskId: 4, instanceId: "child", name: "c", input: undefined }]);
  });

  it("treats fired timers and finished children as done", () => {
    const s = state([
      newEvent("timerCreated", { fireAt: timestamp(1000) }, 1),
      newEvent("subOrchestrationInstanceCreated", { instanceId: "c1", name: "c" }, 2),
      newEvent("taskScheduled", { name: "a" }, 3),
    ], [newEvent("timerFired", { fireAt: timestamp(1000), timerId: 1 }), newEvent("subOrchestrationInstanceCompleted", { taskScheduledId: 2 })]);
    const w = pendingWork(s);
    expect(w.timers).toEqual([]);
    expect(w.children).toEqual([]);
    expect(w.activities.map((a) => a.taskId)).toEqual([3]);
  });
});
