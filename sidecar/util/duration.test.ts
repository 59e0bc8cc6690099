import { describe, it, expect } from "vitest";
import {
  DurationError,
  parseGoDuration,
  parseGoDurationNs,
  parseMillisOrGoDuration,
  parseIsoDuration,
  parseReminderDuration,
  parseRfc3339,
  parseDueTime,
  addIsoDuration,
  parseScheduleTimes,
  formatRfc3339,
} from "./duration.js";

describe("parseGoDuration", () => {
  it.each([
    ["5s", 5000],
    ["1m30s", 90_000],
    ["500ms", 500],
    ["1h", 3_600_000],
    ["0", 0],
    ["-0", 0],
    ["+5s", 5000],
    ["1.5s", 1500],
    [".5s", 500],
    ["5.s", 5000],
    ["-2s", -2000],
    ["1h2m3s4ms", 3_723_004],
    ["1500us", 1.5],
    ["1500\u00b5s", 1.5],
    ["1500\u03bcs", 1.5],
    ["2000000ns", 2],
  ])("%s => %d ms", (input, ms) => {
    expect(parseGoDuration(input)).toBe(ms);
  });

  it("keeps nanosecond precision", () => {
    expect(parseGoDurationNs("1.000000001s")).toBe(1_000_000_001n);
  });

  it.each([
    ["", "invalid duration"],
    ["-1", "missing unit"],
    ["5", "missing unit"],
    ["1.5", "missing unit"],
    ["5x", 'unknown unit "x"'],
    ["5 s", 'unknown unit " s"'],
    [".s", "invalid duration"],
    ["s", "invalid duration"],
    ["-", "invalid duration"],
    ["1d", 'unknown unit "d"'],
    ["PT5S", "invalid duration"],
    ["9999999999h", "out of range"],
  ])("rejects %j with a clear error", (input, why) => {
    let caught: unknown;
    try {
      parseGoDuration(input);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(DurationError);
    expect((caught as DurationError).message).toContain(why);
    expect((caught as DurationError).message).toContain(JSON.stringify(input));
    expect((caught as DurationError).value).toBe(input);
  });
});

describe("parseMillisOrGoDuration (resiliency durations)", () => {
  it("treats a bare integer as milliseconds", () => {
    expect(parseMillisOrGoDuration("250")).toBe(250);
    expect(parseMillisOrGoDuration(1200)).toBe(1200);
    expect(parseMillisOrGoDuration("-1")).toBe(-1);
  });
  it("falls back to Go syntax", () => {
    expect(parseMillisOrGoDuration("2m")).toBe(120_000);
  });
  it("rejects junk and non-integer numbers", () => {
    expect(() => parseMillisOrGoDuration("abc")).toThrow(DurationError);
    expect(() => parseMillisOrGoDuration(1.5)).toThrow(/not an integer/);
  });
});

describe("parseIsoDuration", () => {
  it.each([
    ["PT10S", { years: 0, months: 0, days: 0, ms: 10_000, repetitions: -1 }],
    ["P1DT2H", { years: 0, months: 0, days: 1, ms: 7_200_000, repetitions: -1 }],
    ["R5/PT10S", { years: 0, months: 0, days: 0, ms: 10_000, repetitions: 5 }],
    ["P1Y2M3W4DT5H6M7S", { years: 1, months: 2, days: 25, ms: 5 * 3_600_000 + 6 * 60_000 + 7000, repetitions: -1 }],
    ["R3", { years: 0, months: 0, days: 0, ms: 0, repetitions: 3 }],
    ["R0/PT1S", { years: 0, months: 0, days: 0, ms: 1000, repetitions: 0 }],
    // dapr/kit leniency kept on purpose: digits without a designator are ignored.
    ["P5", { years: 0, months: 0, days: 0, ms: 0, repetitions: -1 }],
    ["PT", { years: 0, months: 0, days: 0, ms: 0, repetitions: -1 }],
  ])("%s", (input, expected) => {
    expect(parseIsoDuration(input)).toEqual(expected);
  });

  it("copies dapr/kit's leniency for doubled or trailing designators", () => {
    expect(parseIsoDuration("P1DT").days).toBe(1);
    expect(parseIsoDuration("PTT").ms).toBe(0);
  });

  it.each(["", "P", "5s", "R/PT1S", "Rx/PT1S", "PT1.5S", "P1H", "PT1D", "1PT", "PS"])("rejects %j", (input) => {
    expect(() => parseIsoDuration(input)).toThrow(/unsupported ISO8601 duration format/);
  });
});

describe("parseReminderDuration", () => {
  it("accepts ISO and Go forms", () => {
    expect(parseReminderDuration("R2/PT1M")).toMatchObject({ ms: 60_000, repetitions: 2 });
    expect(parseReminderDuration("1m")).toMatchObject({ ms: 60_000, repetitions: -1 });
  });
  it("names the bad value", () => {
    expect(() => parseReminderDuration("soon")).toThrow("unsupported duration format: soon");
  });
});

describe("parseRfc3339 and parseDueTime", () => {
  const start = new Date("2024-01-31T10:00:00.000Z");

  it("parses timestamps with offsets and fractions", () => {
    expect(parseRfc3339("2024-02-01T12:00:00Z").toISOString()).toBe("2024-02-01T12:00:00.000Z");
    expect(parseRfc3339("2024-02-01T12:00:00.250+02:00").toISOString()).toBe("2024-02-01T10:00:00.250Z");
    expect(parseRfc3339("0050-01-01T00:00:00Z").getUTCFullYear()).toBe(50);
  });

  it("rejects malformed timestamps", () => {
    expect(() => parseRfc3339("2024-02-01 12:00:00Z")).toThrow(/invalid RFC3339/);
    expect(() => parseRfc3339("2024-02-30T12:00:00Z")).toThrow(/out of range/);
    expect(() => parseRfc3339("2024-02-01T12:00:00")).toThrow(/invalid RFC3339/);
  });

  it("adds Go and ISO durations to the start time", () => {
    expect(parseDueTime("10s", start).toISOString()).toBe("2024-01-31T10:00:10.000Z");
    expect(parseDueTime("PT1H", start).toISOString()).toBe("2024-01-31T11:00:00.000Z");
    // Go's AddDate normalises Jan 31 + 1 month to Mar 2 (2024 is a leap year).
    expect(parseDueTime("P1M", start).toISOString()).toBe("2024-03-02T10:00:00.000Z");
  });

  it("takes an absolute time as is", () => {
    expect(parseDueTime("2030-05-06T07:08:09Z", start).toISOString()).toBe("2030-05-06T07:08:09.000Z");
  });

  it("refuses repetitions and junk", () => {
    expect(() => parseDueTime("R2/PT1S", start)).toThrow(/repetitions are not allowed/);
    expect(() => parseDueTime("tomorrow", start)).toThrow("unsupported time/duration format: tomorrow");
  });

  it("addIsoDuration combines calendar and clock parts", () => {
    const d = addIsoDuration(new Date("2023-12-31T00:00:00Z"), { years: 1, months: 0, days: 1, ms: 1000, repetitions: -1 });
    expect(d.toISOString()).toBe("2025-01-01T00:00:01.000Z");
  });
});

describe("parseScheduleTimes (actor reminders and timers)", () => {
  const now = new Date("2024-06-01T00:00:00.000Z");

  it("defaults the due time to now and accepts ISO/Go periods", () => {
    const t = parseScheduleTimes("reminder", "r", { period: "R3/PT10S" }, now);
    expect(t.dueTime.getTime()).toBe(now.getTime());
    expect(t.period).toMatchObject({ ms: 10_000, repetitions: 3 });
    expect(t.ttl).toBeUndefined();
  });

  it("measures a duration TTL from the due time", () => {
    const t = parseScheduleTimes("timer", "t", { dueTime: "1m", period: "5s", ttl: "PT1H" }, now);
    expect(formatRfc3339(t.dueTime)).toBe("2024-06-01T00:01:00Z");
    expect(formatRfc3339(t.ttl!)).toBe("2024-06-01T01:01:00Z");
  });

  it("refuses zero repetitions, expired TTLs and bad values with daprd's messages", () => {
    expect(() => parseScheduleTimes("reminder", "r", { period: "R0/PT1S" }, now)).toThrow("reminder r has zero repetitions");
    expect(() => parseScheduleTimes("reminder", "r", { dueTime: "2024-06-02T00:00:00Z", ttl: "2024-06-01T12:00:00Z" }, now)).toThrow(
      "reminder r has already expired: registeredTime: 2024-06-02T00:00:00Z TTL:2024-06-01T12:00:00Z",
    );
    expect(() => parseScheduleTimes("timer", "t", { dueTime: "later" }, now)).toThrow("error parsing timer due time: unsupported time/duration format: later");
    expect(() => parseScheduleTimes("timer", "t", { period: "often" }, now)).toThrow("error parsing timer period: unsupported duration format: often");
    expect(() => parseScheduleTimes("timer", "t", { ttl: "R2/PT1S" }, now)).toThrow("error parsing timer TTL: repetitions are not allowed");
  });
});
