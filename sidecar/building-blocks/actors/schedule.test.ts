import { describe, expect, it } from "vitest";
import { parseScheduleTimes } from "../../util/duration.js";
import { catchUp, catchUpUpcoming, runSchedule } from "./schedule.js";

const at = (iso: string) => new Date(iso);

describe("catchUp", () => {
  const registered = at("2030-01-01T00:00:00Z");

  it("keeps a due time still ahead", () => {
    const t = parseScheduleTimes("reminder", "r", { dueTime: "10s", period: "5s" }, registered);
    expect(catchUp(t, registered)!.next.toISOString()).toBe("2030-01-01T00:00:10.000Z");
  });

  it("fires an overdue periodic schedule once at once, not once per missed period", () => {
    const t = parseScheduleTimes("reminder", "r", { dueTime: "0s", period: "5s" }, registered);
    const st = catchUp(t, at("2030-01-01T00:00:12Z"))!;
    expect(st.next.toISOString()).toBe("2030-01-01T00:00:10.000Z");
  });

  it("counts repetitions already fired and ends when none are left", () => {
    const t = parseScheduleTimes("reminder", "r", { period: "R3/PT5S" }, registered);
    expect(catchUp(t, registered, 1)!.left).toBe(2);
    expect(catchUp(t, registered, 3)).toBeUndefined();
  });

  it("ends a schedule past its TTL", () => {
    const t = parseScheduleTimes("reminder", "r", { period: "1s", ttl: "3s" }, registered);
    expect(catchUp(t, at("2030-01-01T00:00:05Z"))).toBeUndefined();
  });
});

describe("catchUpUpcoming (a reminder resumed on a new host)", () => {
  const registered = at("2030-01-01T00:00:00Z");

  it("resumes at the next period boundary instead of firing the current period again", () => {
    const t = parseScheduleTimes("reminder", "r", { dueTime: "0s", period: "5s" }, registered);
    const st = catchUpUpcoming(t, at("2030-01-01T00:00:12Z"))!;
    expect(st.next.toISOString()).toBe("2030-01-01T00:00:15.000Z");
  });

  it("fires an overdue one-shot at once", () => {
    const t = parseScheduleTimes("reminder", "r", { dueTime: "1s" }, registered);
    expect(catchUpUpcoming(t, at("2030-01-01T00:00:12Z"))!.next.toISOString()).toBe("2030-01-01T00:00:01.000Z");
  });
});

describe("runSchedule", () => {
  it("fires the given number of repetitions, then reports done", async () => {
    const t = parseScheduleTimes("timer", "t", { dueTime: "0s", period: "R3/PT0S" });
    let fired = 0;
    await new Promise<void>((resolve) => runSchedule(t, async () => { fired++; return true; }, resolve));
    expect(fired).toBe(3);
  });

  it("stops when the callback says so, and after cancel", async () => {
    const t = parseScheduleTimes("timer", "t", { dueTime: "0s", period: "20ms" });
    let fired = 0;
    await new Promise<void>((resolve) => runSchedule(t, async () => ++fired < 2, resolve));
    expect(fired).toBe(2);
    let late = 0;
    const cancel = runSchedule(t, async () => { late++; return true; });
    cancel();
    await new Promise((r) => setTimeout(r, 80));
    expect(late).toBe(0);
  });
});
