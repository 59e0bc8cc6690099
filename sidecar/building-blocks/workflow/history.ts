// History events, actions and states in the shape the durabletask proto gives
// them (field names as in orchestrator_service.proto, loaded with keepCase).
// The same objects are stored as JSON and sent to workers unchanged, so there
// is no second model to keep in sync with the wire.

export interface StringValue { value: string }
export interface Timestamp { seconds: number; nanos: number }

export interface FailureDetails {
  errorType: string;
  errorMessage: string;
  stackTrace?: StringValue;
  innerFailure?: FailureDetails;
  isNonRetriable?: boolean;
}

/** One history event: `eventId`, `timestamp` and exactly one payload field. */
export interface HistoryEvent {
  eventId: number;
  timestamp: Timestamp;
  executionStarted?: { name: string; input?: StringValue; orchestrationInstance?: { instanceId: string; executionId?: StringValue }; parentInstance?: ParentInstance; scheduledStartTimestamp?: Timestamp };
  executionCompleted?: { orchestrationStatus: OrchestrationStatus; result?: StringValue; failureDetails?: FailureDetails };
  executionTerminated?: { input?: StringValue; recurse: boolean };
  taskScheduled?: { name: string; input?: StringValue };
  taskCompleted?: { taskScheduledId: number; result?: StringValue };
  taskFailed?: { taskScheduledId: number; failureDetails?: FailureDetails };
  subOrchestrationInstanceCreated?: { instanceId: string; name: string; input?: StringValue };
  subOrchestrationInstanceCompleted?: { taskScheduledId: number; result?: StringValue };
  subOrchestrationInstanceFailed?: { taskScheduledId: number; failureDetails?: FailureDetails };
  timerCreated?: { fireAt: Timestamp };
  timerFired?: { fireAt: Timestamp; timerId: number };
  orchestratorStarted?: Record<string, never>;
  orchestratorCompleted?: Record<string, never>;
  eventSent?: { instanceId: string; name: string; input?: StringValue };
  eventRaised?: { name: string; input?: StringValue };
  continueAsNew?: { input?: StringValue };
  executionSuspended?: { input?: StringValue };
  executionResumed?: { input?: StringValue };
}

export interface ParentInstance {
  taskScheduledId: number;
  name?: StringValue;
  orchestrationInstance: { instanceId: string; executionId?: StringValue };
}

export type OrchestrationStatus =
  | "ORCHESTRATION_STATUS_RUNNING"
  | "ORCHESTRATION_STATUS_COMPLETED"
  | "ORCHESTRATION_STATUS_CONTINUED_AS_NEW"
  | "ORCHESTRATION_STATUS_FAILED"
  | "ORCHESTRATION_STATUS_CANCELED"
  | "ORCHESTRATION_STATUS_TERMINATED"
  | "ORCHESTRATION_STATUS_PENDING"
  | "ORCHESTRATION_STATUS_SUSPENDED";

const terminal = new Set<OrchestrationStatus>([
  "ORCHESTRATION_STATUS_COMPLETED",
  "ORCHESTRATION_STATUS_FAILED",
  "ORCHESTRATION_STATUS_TERMINATED",
  "ORCHESTRATION_STATUS_CANCELED",
]);

export function isTerminal(s: OrchestrationStatus): boolean {
  return terminal.has(s);
}

/** Dapr's workflow API names the statuses without the proto prefix (RUNNING, COMPLETED, ...). */
export function daprStatusName(s: OrchestrationStatus): string {
  return s.replace("ORCHESTRATION_STATUS_", "");
}

/** The event's payload kind, e.g. "taskScheduled". */
export function eventKind(e: HistoryEvent): string {
  for (const k of Object.keys(e)) if (k !== "eventId" && k !== "timestamp" && k !== "eventType" && (e as unknown as Record<string, unknown>)[k] != null) return k;
  return "unknown";
}

export function timestamp(ms: number): Timestamp {
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 };
}

export function toMillis(t: Timestamp | undefined | null): number {
  if (!t) return 0;
  return Number(t.seconds) * 1000 + Math.floor(Number(t.nanos ?? 0) / 1_000_000);
}

export function sv(value: string | undefined | null): StringValue | undefined {
  return value === undefined || value === null ? undefined : { value };
}

/** A new event of `kind` stamped now; ids of events that answer no action are -1, as durabletask does. */
export function newEvent<K extends keyof HistoryEvent>(kind: K, payload: NonNullable<HistoryEvent[K]>, eventId = -1, nowMs = Date.now()): HistoryEvent {
  return { eventId, timestamp: timestamp(nowMs), [kind]: payload } as HistoryEvent;
}

/** Strips the `eventType` oneof marker proto-loader adds, so stored events are plain payloads. */
export function cleanEvent(e: HistoryEvent & { eventType?: string }): HistoryEvent {
  const { eventType: _ignored, ...rest } = e;
  return rest as HistoryEvent;
}
