// One firing of a reminder (or of a timer delivered by another sidecar), the
// app call it becomes, and how the app's answer is read. Shared by the local
// path and by `CallActorReminder`, so both give the app the same request and
// read `X-DaprReminderCancel` the same way.
import { errorResponseHeader, reminderCancelHeader, type ActorCall, type ActorResponse } from "../actor-call.js";

export interface ReminderFiring {
  type: string;
  id: string;
  name: string;
  /** The registered data (a JSON value), undefined when none. */
  data?: unknown;
  dueTime: string;
  period: string;
  /** A timer's firing: `timer/<name>` with a `callback` field instead of `remind/<name>`. */
  isTimer?: boolean;
  callback?: string;
}

export type FiringOutcome = "done" | "cancelled";

/** The app call: PUT actors/<type>/<id>/method/remind/<name> with {dueTime, period, data} (timers add callback). */
export function firingCall(f: ReminderFiring): ActorCall {
  const body = f.isTimer
    ? { callback: f.callback ?? "", dueTime: f.dueTime, period: f.period, data: f.data }
    : { dueTime: f.dueTime, period: f.period, data: f.data };
  return {
    type: f.type,
    id: f.id,
    method: `${f.isTimer ? "timer" : "remind"}/${f.name}`,
    body: Buffer.from(JSON.stringify(body)),
    contentType: "application/json",
    headers: {},
  };
}

/** The app refused the firing (non-2xx, or an actor error signalled by header). */
export class FiringFailedError extends Error {
  constructor(status: number, body: Buffer) {
    super(`error from actor service: (${status}) ${body.toString("utf8").slice(0, 200)}`);
    this.name = "FiringFailedError";
  }
}

/** Reads the app's answer; a truthy `X-DaprReminderCancel` cancels, as Dapr reads it. */
export function firingOutcome(res: ActorResponse): FiringOutcome {
  if (res.status < 200 || res.status > 299 || res.headers[errorResponseHeader] !== undefined) throw new FiringFailedError(res.status, res.body);
  return isTruthy(res.headers[reminderCancelHeader]) ? "cancelled" : "done";
}

function isTruthy(v: string | undefined): boolean {
  return ["1", "true", "t", "y", "yes", "on"].includes((v ?? "").trim().toLowerCase());
}
