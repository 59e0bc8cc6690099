// bindings.cron: an input binding that fires on a schedule (see schedule.ts
// for the accepted forms). Each firing delivers an empty payload with
// `timeZone` and `readTimeUTC` metadata, as Dapr does. Each firing is timed
// against the wall clock for its planned instant, and the handler is not
// awaited, so a slow app never shifts later firings.
import { Cron } from "croner";
import { requiredProp, type ComponentContext } from "../../component.js";
import type { BindingHandler, InputBinding } from "../binding.js";
import { nextFire, parseSchedule, type Schedule } from "./schedule.js";

/** Go's time.Time.String() for a UTC time, e.g. "2024-01-02 03:04:05.123 +0000 UTC". */
function goUtcString(d: Date): string {
  const iso = d.toISOString(); // 2024-01-02T03:04:05.123Z
  const frac = iso.slice(20, 23).replace(/0+$/, "");
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${frac ? "." + frac : ""} +0000 UTC`;
}

export class CronBinding implements InputBinding {
  private schedule?: Schedule;
  private cron?: Cron;
  private timer?: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly ctx: ComponentContext) {}

  async init(): Promise<void> {
    const text = requiredProp(this.ctx, "schedule");
    try {
      this.schedule = parseSchedule(text);
    } catch (err) {
      throw new Error(`component ${this.ctx.name}: invalid schedule format '${text}': ${(err as Error).message}`);
    }
    if (this.schedule.kind === "cron") this.cron = new Cron(this.schedule.pattern, { paused: true });
  }

  async read(handler: BindingHandler): Promise<void> {
    if (this.closed) throw new Error("binding is closed");
    const schedule = this.schedule;
    if (!schedule) throw new Error(`binding ${this.ctx.name} is not initialized`);
    const arm = (after: number) => {
      const at = nextFire(schedule, after, this.cron);
      if (at === undefined || this.closed) return;
      // Timers cannot wait longer than ~24.8 days; re-arm on the way if needed.
      const wait = Math.min(at - Date.now(), 2 ** 31 - 1);
      this.timer = setTimeout(() => {
        if (this.closed) return;
        if (Date.now() < at) { arm(after); return; }
        const firedAt = Date.now();
        handler({ data: Buffer.alloc(0), metadata: { timeZone: "Local", readTimeUTC: goUtcString(new Date(firedAt)) } }).catch((err: unknown) =>
          this.ctx.logger.debug("cron handler failed", { binding: this.ctx.name, error: err instanceof Error ? err.message : String(err) }),
        );
        // Like robfig/cron, plan from now: firings missed while the process was stalled are skipped, not replayed.
        arm(Math.max(at, Date.now()));
      }, Math.max(0, wait));
    };
    arm(Date.now());
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.cron?.stop();
  }
}
