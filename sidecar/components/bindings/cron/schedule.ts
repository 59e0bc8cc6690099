// Dapr's cron schedule forms (robfig/cron with SecondOptional|Descriptor):
//   "*/15 * * * * *"  six fields, the first is seconds
//   "0 30 * * *"      five fields, minute resolution
//   "@every 1m30s"    a Go duration, truncated to whole seconds (min 1 s)
//   "@yearly" "@annually" "@monthly" "@weekly" "@daily" "@midnight" "@hourly"
// Field schedules are evaluated by croner; "@every" is ours, because croner
// has no such form.
import { Cron } from "croner";
import { parseGoDuration } from "../go-duration.js";

export type Schedule =
  | { kind: "every"; everyMs: number }
  | { kind: "cron"; pattern: string };

const DESCRIPTORS: Record<string, string> = {
  "@yearly": "0 0 0 1 1 *",
  "@annually": "0 0 0 1 1 *",
  "@monthly": "0 0 0 1 * *",
  "@weekly": "0 0 0 * * 0",
  "@daily": "0 0 0 * * *",
  "@midnight": "0 0 0 * * *",
  "@hourly": "0 0 * * * *",
};

export function parseSchedule(text: string): Schedule {
  const s = text.trim();
  if (s === "") throw new Error("schedule not set");
  if (s.startsWith("@every ")) {
    const ms = parseGoDuration(s.slice("@every ".length).trim());
    // robfig/cron: at least one second, fractions of a second dropped.
    return { kind: "every", everyMs: Math.max(1000, Math.floor(ms / 1000) * 1000) };
  }
  if (s.startsWith("@")) {
    const pattern = DESCRIPTORS[s];
    if (!pattern) throw new Error(`unrecognized descriptor '${s}'; known: @every <duration>, ${Object.keys(DESCRIPTORS).join(", ")}`);
    return { kind: "cron", pattern };
  }
  const fields = s.split(/\s+/).length;
  if (fields !== 5 && fields !== 6) throw new Error(`expected 5 or 6 fields, found ${fields}`);
  // Let croner validate the fields; it throws on anything it cannot parse.
  new Cron(s, { paused: true }).stop();
  return { kind: "cron", pattern: s };
}

/** The next firing strictly after `now` (ms since epoch). */
export function nextFire(schedule: Schedule, now: number, cron?: Cron): number | undefined {
  if (schedule.kind === "every") {
    // robfig's constant delay: start of the current second plus the delay.
    return Math.floor(now / 1000) * 1000 + schedule.everyMs;
  }
  const next = (cron ?? new Cron(schedule.pattern, { paused: true })).nextRun(new Date(now));
  return next ? next.getTime() : undefined;
}
