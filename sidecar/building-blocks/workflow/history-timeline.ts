// A workflow's history as a readable timeline (`dapr-ts workflow history ID`):
// one line per event, time relative to the start, the event's kind, its id
// where it answers an action, and what matters about it.
import { daprStatusName, eventKind, toMillis, type HistoryEvent } from "./history.js";
import type { InstanceState } from "./instance-state.js";

const MAX_PAYLOAD = 60;

function short(text: string | undefined): string {
  if (text === undefined) return "";
  return text.length > MAX_PAYLOAD ? `${text.slice(0, MAX_PAYLOAD - 1)}…` : text;
}

/** What is worth showing of one event, e.g. `double input=5` for a scheduled task. */
export function describeEvent(e: HistoryEvent): string {
  const parts: string[] = [];
  const add = (k: string, v: string | number | undefined) => { if (v !== undefined && v !== "") parts.push(`${k}=${typeof v === "string" ? short(v) : v}`); };
  if (e.executionStarted) { parts.push(e.executionStarted.name); add("input", e.executionStarted.input?.value); }
  else if (e.executionCompleted) {
    parts.push(daprStatusName(e.executionCompleted.orchestrationStatus));
    add("output", e.executionCompleted.result?.value);
    add("error", e.executionCompleted.failureDetails ? `${e.executionCompleted.failureDetails.errorType}: ${e.executionCompleted.failureDetails.errorMessage}` : undefined);
  }
  else if (e.executionTerminated) { add("reason", e.executionTerminated.input?.value); add("recurse", String(e.executionTerminated.recurse)); }
  else if (e.taskScheduled) { parts.push(e.taskScheduled.name); add("input", e.taskScheduled.input?.value); }
  else if (e.taskCompleted) { add("task", e.taskCompleted.taskScheduledId); add("result", e.taskCompleted.result?.value); }
  else if (e.taskFailed) { add("task", e.taskFailed.taskScheduledId); add("error", e.taskFailed.failureDetails?.errorMessage); }
  else if (e.subOrchestrationInstanceCreated) { parts.push(e.subOrchestrationInstanceCreated.name); add("instance", e.subOrchestrationInstanceCreated.instanceId); }
  else if (e.subOrchestrationInstanceCompleted) { add("task", e.subOrchestrationInstanceCompleted.taskScheduledId); add("result", e.subOrchestrationInstanceCompleted.result?.value); }
  else if (e.subOrchestrationInstanceFailed) { add("task", e.subOrchestrationInstanceFailed.taskScheduledId); add("error", e.subOrchestrationInstanceFailed.failureDetails?.errorMessage); }
  else if (e.timerCreated) add("fireAt", new Date(toMillis(e.timerCreated.fireAt)).toISOString());
  else if (e.timerFired) { add("timer", e.timerFired.timerId); add("fireAt", new Date(toMillis(e.timerFired.fireAt)).toISOString()); }
  else if (e.eventRaised) { parts.push(e.eventRaised.name); add("input", e.eventRaised.input?.value); }
  else if (e.eventSent) { parts.push(e.eventSent.name); add("to", e.eventSent.instanceId); }
  return parts.join(" ");
}

/** Replay bookkeeping (OrchestratorStarted/Completed) is hidden unless `verbose`. */
export function formatTimeline(s: InstanceState, opts: { verbose?: boolean } = {}): string {
  const m = s.meta;
  const lines = [
    `workflow ${m.instanceId} (${m.name}): ${daprStatusName(m.status)}`,
    `created ${new Date(m.createdAt).toISOString()}, last updated ${new Date(m.lastUpdatedAt).toISOString()}`,
  ];
  if (m.customStatus) lines.push(`custom status: ${short(m.customStatus)}`);
  if (m.failureDetails) lines.push(`failure: ${m.failureDetails.errorType}: ${m.failureDetails.errorMessage}`);
  lines.push("");
  const start = s.history.length ? toMillis(s.history[0]!.timestamp) : m.createdAt;
  const rows = s.history
    .filter((e) => opts.verbose || !(e.orchestratorStarted || e.orchestratorCompleted))
    .map((e) => [`+${((toMillis(e.timestamp) - start) / 1000).toFixed(3)}s`, e.eventId >= 0 ? `#${e.eventId}` : "", kindTitle(eventKind(e)), describeEvent(e)]);
  for (const e of m.inbox) rows.push(["pending", e.eventId >= 0 ? `#${e.eventId}` : "", kindTitle(eventKind(e)), describeEvent(e)]);
  const widths = [0, 1, 2].map((i) => Math.max(0, ...rows.map((r) => r[i]!.length)));
  for (const r of rows) lines.push(`  ${r[0]!.padStart(widths[0]!)}  ${r[1]!.padEnd(widths[1]!)}  ${r[2]!.padEnd(widths[2]!)}  ${r[3]}`.trimEnd());
  if (rows.length === 0) lines.push("  (no history yet)");
  return lines.join("\n");
}

function kindTitle(kind: string): string {
  return kind.charAt(0).toUpperCase() + kind.slice(1);
}
