import { describe, expect, it } from "vitest";
import { newEvent, sv } from "./history.js";
import { describeEvent, formatTimeline } from "./history-timeline.js";
import type { InstanceState } from "./instance-state.js";

const t0 = Date.parse("2026-01-01T00:00:00Z");

function sample(): InstanceState {
  return {
    meta: {
      instanceId: "order-1", name: "orderWorkflow", executionId: "e1", status: "ORCHESTRATION_STATUS_FAILED", createdAt: t0, lastUpdatedAt: t0 + 2500,
      inbox: [newEvent("eventRaised", { name: "late", input: sv('"x"') }, -1, t0 + 3000)], historyLength: 5, version: 5, owner: "h",
      failureDetails: { errorType: "Error", errorMessage: "payment declined" },
    },
    history: [
      newEvent("orchestratorStarted", {}, -1, t0),
      newEvent("executionStarted", { name: "orderWorkflow", input: sv('{"id":1}') }, -1, t0),
      newEvent("taskScheduled", { name: "pay", input: sv("99") }, 1, t0 + 10),
      newEvent("taskFailed", { taskScheduledId: 1, failureDetails: { errorType: "Error", errorMessage: "payment declined" } }, -1, t0 + 1500),
      newEvent("executionCompleted", { orchestrationStatus: "ORCHESTRATION_STATUS_FAILED", failureDetails: { errorType: "Error", errorMessage: "payment declined" } }, -1, t0 + 2500),
    ],
  };
}

describe("the workflow history timeline", () => {
  it("shows each event with its time since the start, its id and what matters", () => {
    const text = formatTimeline(sample());
    expect(text).toContain("workflow order-1 (orderWorkflow): FAILED");
    expect(text).toContain("failure: Error: payment declined");
    const lines = text.split("\n");
    expect(lines.find((l) => l.includes("TaskScheduled"))).toMatch(/\+0\.010s\s+#1\s+TaskScheduled\s+pay input=99/);
    expect(lines.find((l) => l.includes("TaskFailed"))).toMatch(/\+1\.500s\s+TaskFailed\s+task=1 error=payment declined/);
    expect(lines.find((l) => l.includes("ExecutionCompleted"))).toMatch(/FAILED error=Error: payment declined/);
    expect(lines.find((l) => l.includes("EventRaised"))).toMatch(/pending\s+EventRaised\s+late input="x"/);
  });

  it("hides replay bookkeeping unless verbose", () => {
    expect(formatTimeline(sample())).not.toContain("OrchestratorStarted");
    expect(formatTimeline(sample(), { verbose: true })).toContain("OrchestratorStarted");
  });

  it("shortens long payloads", () => {
    const e = newEvent("taskScheduled", { name: "big", input: sv("x".repeat(500)) });
    expect(describeEvent(e).length).toBeLessThan(80);
  });

  it("says when there is no history yet", () => {
    const s = sample();
    s.history = [];
    s.meta.inbox = [];
    expect(formatTimeline(s)).toContain("(no history yet)");
  });
});
