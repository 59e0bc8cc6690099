// Runs a callback on an actor timer's or reminder's schedule: first at the due
// time, then every period (calendar-aware for ISO periods), for at most the
// given repetitions and never after the TTL. Each firing waits for the previous
// one to finish, so a slow actor never sees overlapping firings of one timer.
import { addIsoDuration, type ScheduleTimes } from "../../util/duration.js";

/** setTimeout's ceiling (about 24.8 days); longer waits are chained. */
const MAX_DELAY_MS = 2 ** 31 - 1;

export interface ScheduleState {
  /** Next firing time. */
  next: Date;
  /** Firings left; -1 for unbounded. */
  left: number;
}

/** The first firing at or after `now`, skipping periods missed while nobody ran it (e.g. the host was down). */
export function catchUp(times: ScheduleTimes, now: Date, fired = 0): ScheduleState | undefined {
  let next = times.dueTime;
  let left = times.period ? times.period.repetitions : 1;
  if (left !== -1) left -= fired;
  if (left === 0) return undefined;
  if (times.period && next.getTime() < now.getTime()) {
    // Missed firings are not replayed one by one; the next one comes at once.
    const p = times.period;
    let guard = 0;
    while (next.getTime() < now.getTime() && guard++ < 1_000_000) {
      const after = addIsoDuration(next, p);
      if (after.getTime() <= next.getTime()) break; // zero period: fire now
      if (after.getTime() > now.getTime()) break;
      next = after;
      if (left > 0 && --left === 0) return undefined;
    }
  }
  if (times.ttl && next.getTime() > times.ttl.getTime()) return undefined;
  return { next, left };
}

/**
 * Schedules `fire`; it resolves false to stop (e.g. the app cancelled a reminder).
 * `onDone` runs when the schedule ends by itself. Returns a cancel function.
 */
export function runSchedule(
  times: ScheduleTimes,
  fire: () => Promise<boolean>,
  onDone: () => void = () => {},
  state: ScheduleState | undefined = catchUp(times, new Date()),
): () => void {
  let cancelled = false;
  let handle: NodeJS.Timeout | undefined;
  const arm = (st: ScheduleState) => {
    const wait = st.next.getTime() - Date.now();
    handle = setTimeout(async () => {
      if (cancelled) return;
      if (st.next.getTime() - Date.now() > 0) return arm(st); // a chained long wait
      let more = true;
      try {
        more = await fire();
      } catch {
        // a failed firing does not end the schedule; the next period runs again
      }
      if (cancelled) return;
      const n = more ? following(times, st) : undefined;
      if (n) arm(n);
      else onDone();
    }, Math.min(Math.max(0, wait), MAX_DELAY_MS));
    handle.unref?.();
  };
  if (state) arm(state);
  else queueMicrotask(onDone);
  return () => {
    cancelled = true;
    clearTimeout(handle);
  };
}

function following(times: ScheduleTimes, st: ScheduleState): ScheduleState | undefined {
  if (!times.period) return undefined;
  const left = st.left === -1 ? -1 : st.left - 1;
  if (left === 0) return undefined;
  let next = addIsoDuration(st.next, times.period);
  // A firing that overran its period: the next one is due now, not in the past.
  if (next.getTime() < Date.now()) next = new Date();
  if (times.ttl && next.getTime() > times.ttl.getTime()) return undefined;
  return { next, left };
}

/**
 * Where a durable reminder resumes on a host that (re)starts it: a due time
 * still ahead is kept; an overdue one-shot fires now; a periodic one resumes at
 * its next period boundary, so a hand-over between hosts does not fire a
 * period twice (periods missed while no host ran it are skipped, not replayed).
 */
export function catchUpUpcoming(times: ScheduleTimes, now: Date, fired = 0): ScheduleState | undefined {
  const st = catchUp(times, now, fired);
  if (!st || !times.period || st.next.getTime() >= now.getTime()) return st;
  if (fired === 0 && times.dueTime.getTime() === st.next.getTime()) return st; // never fired: the first firing is due now
  const next = addIsoDuration(st.next, times.period);
  if (next.getTime() <= st.next.getTime()) return st;
  const left = st.left === -1 ? -1 : st.left - 1;
  if (left === 0) return undefined;
  if (times.ttl && next.getTime() > times.ttl.getTime()) return undefined;
  return { next, left };
}
