// One call into an actor, whatever its origin (API, timer, reminder, another
// sidecar), and the app's answer. `method` is the path after `/method/`:
// "deposit", "remind/<name>" or "timer/<name>".

export interface ActorCall {
  type: string;
  id: string;
  method: string;
  body: Buffer;
  contentType?: string;
  /** Headers passed to the app (lower-case names): Dapr-Reentrancy-Id, traceparent, ... */
  headers: Record<string, string>;
}

export interface ActorResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  contentType?: string;
}

/** The call should be routed again: placement moved, or the owner is handing the actor over. */
export class RetryRoutingError extends Error {
  constructor(why: string) {
    super(why);
    this.name = "RetryRoutingError";
  }
}

export const actorKey = (type: string, id: string): string => `${type}||${id}`;

/** Headers an app answer carries that the caller must see (lower-case names). */
export const reminderCancelHeader = "x-daprremindercancel";
export const errorResponseHeader = "x-daprerrorresponseheader";
export const reentrancyHeader = "dapr-reentrancy-id";
