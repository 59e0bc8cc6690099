// What one workflow instance is, as stored under its `metadata` key: status,
// payloads, the inbox of events not yet shown to the orchestrator, who owns it,
// and how many history entries exist (each under its own `history-NNNNNN` key).
import type { FailureDetails, HistoryEvent, OrchestrationStatus, ParentInstance } from "./history.js";

export interface InstanceMetadata {
  instanceId: string;
  name: string;
  executionId: string;
  status: OrchestrationStatus;
  createdAt: number;
  lastUpdatedAt: number;
  input?: string;
  output?: string;
  customStatus?: string;
  failureDetails?: FailureDetails;
  /** Events waiting for the next orchestrator turn, oldest first. */
  inbox: HistoryEvent[];
  historyLength: number;
  /** Incremented on every save: a cached copy with another version is stale. */
  version: number;
  parent?: ParentInstance;
  /** Host id of the sidecar that runs this instance (see workflow README: ownership). */
  owner: string;
  /** When the first turn may run (scheduled start). */
  startAt?: number;
}

/** An instance as the engine holds it: metadata, full history and the store's ETag. */
export interface InstanceState {
  meta: InstanceMetadata;
  history: HistoryEvent[];
  etag?: string;
}

/** A copy the engine may change without touching the cached original until the save succeeds. */
export function cloneState(s: InstanceState): InstanceState {
  return { meta: { ...s.meta, inbox: [...s.meta.inbox] }, history: [...s.history], etag: s.etag };
}
