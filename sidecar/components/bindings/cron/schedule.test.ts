import { describe, expect, it } from "vitest";
import { parseGoDuration } from "../go-duration.js";
import { nextFire, parseSchedule } from "./schedule.js";

describe("cron schedule parsing (Dapr's forms)", () => {
  it("parses Go durations", () => {
    expect(parseGoDuration("15s")).toBe(15_000);
    expect(parseGoDuration("1h30m")).toBe(5_400_000);
    expect(parseGoDuration("1.5s")).toBe(1500);
    expect(parseGoDuration("250ms")).toBe(250);
    expect(() => parseGoDuration("15")).toThrow(/invalid duration/);
    expect(() => parseGoDuration("abc")).toThrow(/invalid duration/);
  });

  it("@every truncates to whole seconds, at least one", () => {
    expect(parseSchedule("@every 15s")).toEqual({ kind: "every", everyMs: 15_000 });
    expect(parseSchedule("@every 1.7s")).toEqual({ kind: "every", everyMs: 1000 });
    expect(parseSchedule("@every 100ms")).toEqual({ kind: "every", everyMs: 1000 });
  });

  it("accepts 6 fields with seconds, 5 fields and descriptors", () => {
    const t0 = Date.UTC(2030, 0, 1, 10, 0, 7, 500);
    const six = parseSchedule("*/15 * * * * *");
    expect(nextFire(six, t0)! - t0).toBe(7_500); // next :15
    const five = parseSchedule("*/5 * * * *");
    expect(new Date(nextFire(five, t0)!).getSeconds()).toBe(0);
    expect(parseSchedule("@hourly")).toEqual({ kind: "cron", pattern: "0 0 * * * *" });
    expect(parseSchedule("@daily").kind).toBe("cron");
  });

  it("@every fires on whole seconds after the current one", () => {
    expect(nextFire({ kind: "every", everyMs: 2000 }, 10_400)).toBe(12_000);
  });

  it("rejects bad schedules with a reason", () => {
    expect(() => parseSchedule("")).toThrow(/not set/);
    expect(() => parseSchedule("@sometimes")).toThrow(/unrecognized descriptor/);
    expect(() => parseSchedule("* * *")).toThrow(/5 or 6 fields/);
    expect(() => parseSchedule("61 * * * * *")).toThrow();
    expect(() => parseSchedule("@every soon")).toThrow(/invalid duration/);
  });
});
