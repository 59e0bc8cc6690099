// Duration and time parsing with Dapr's exact rules, so the same YAML or API
// body means the same thing here as in daprd:
// - Go durations (`time.ParseDuration`): "300ms", "1h30m", "1.5s", "-2s", "0".
// - Resiliency durations: a bare integer means milliseconds, else a Go duration
//   (dapr `pkg/resiliency` parseDuration and dapr/kit `config.Decode`).
// - ISO 8601 durations with optional repetitions, as dapr/kit `time.ParseISO8601Duration`
//   accepts them for actor reminders and timers: "PT10S", "P1DT2H", "R5/PT10S".
//   That parser is lenient in ways we copy on purpose (e.g. "P5" is a zero duration).
// - Due times (dapr/kit `time.ParseTime`): ISO duration, Go duration, or an RFC 3339
//   timestamp; durations are added to a start time.

export class DurationError extends Error {
  constructor(readonly value: string, why: string) {
    super(why);
    this.name = "DurationError";
  }
}

const NS_PER_MS = 1_000_000n;
const MAX_NS = (1n << 63n) - 1n;

const unitNs: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  "\u00b5s": 1_000n, // micro sign
  "\u03bcs": 1_000n, // Greek mu
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

function quote(s: string): string {
  return JSON.stringify(s);
}

/**
 * Parses a Go duration into nanoseconds (as a bigint, so nothing is lost).
 * Mirrors Go's `time.ParseDuration`: a sign, then one or more `<number><unit>` pairs.
 */
export function parseGoDurationNs(input: string): bigint {
  if (typeof input !== "string") throw new DurationError(String(input), `invalid duration ${quote(String(input))}: not a string`);
  let s = input;
  let neg = false;
  if (s !== "" && (s[0] === "-" || s[0] === "+")) {
    neg = s[0] === "-";
    s = s.slice(1);
  }
  if (s === "0") return 0n;
  if (s === "") throw new DurationError(input, `invalid duration ${quote(input)}`);

  let total = 0n;
  while (s !== "") {
    // The next character must be a digit or a dot.
    if (!(s[0] === "." || (s[0]! >= "0" && s[0]! <= "9"))) {
      throw new DurationError(input, `invalid duration ${quote(input)}`);
    }
    const intMatch = /^[0-9]*/.exec(s)![0];
    s = s.slice(intMatch.length);
    let fracDigits = "";
    if (s[0] === ".") {
      s = s.slice(1);
      fracDigits = /^[0-9]*/.exec(s)![0];
      s = s.slice(fracDigits.length);
    }
    if (intMatch === "" && fracDigits === "") {
      throw new DurationError(input, `invalid duration ${quote(input)}`);
    }
    const unit = /^[^0-9.]*/.exec(s)![0];
    s = s.slice(unit.length);
    if (unit === "") throw new DurationError(input, `missing unit in duration ${quote(input)}`);
    const mult = unitNs[unit];
    if (mult === undefined) throw new DurationError(input, `unknown unit ${quote(unit)} in duration ${quote(input)}`);

    let v = BigInt(intMatch === "" ? "0" : intMatch) * mult;
    if (fracDigits !== "") {
      // Go truncates the fractional part towards zero at nanosecond precision.
      v += (BigInt(fracDigits) * mult) / 10n ** BigInt(fracDigits.length);
    }
    total += v;
    if (total > MAX_NS + (neg ? 1n : 0n)) throw new DurationError(input, `invalid duration ${quote(input)}: out of range`);
  }
  return neg ? -total : total;
}

/** Parses a Go duration into milliseconds (fractional for sub-millisecond values). */
export function parseGoDuration(input: string): number {
  return nsToMs(parseGoDurationNs(input));
}

function nsToMs(ns: bigint): number {
  const whole = ns / NS_PER_MS;
  const rest = ns % NS_PER_MS;
  return Number(whole) + Number(rest) / 1e6;
}

/**
 * Resiliency-style duration: a bare (optionally signed) integer is milliseconds,
 * anything else is a Go duration. Numbers from YAML are taken as milliseconds too.
 */
export function parseMillisOrGoDuration(input: string | number): number {
  if (typeof input === "number") {
    if (!Number.isInteger(input)) throw new DurationError(String(input), `invalid duration ${input}: not an integer number of milliseconds`);
    return input;
  }
  if (/^[+-]?[0-9]+$/.test(input)) {
    const n = Number(input);
    if (!Number.isSafeInteger(n)) throw new DurationError(input, `invalid duration ${quote(input)}: out of range`);
    return n;
  }
  return parseGoDuration(input);
}

export interface IsoDuration {
  years: number;
  months: number;
  days: number;
  /** Hours, minutes and seconds, in milliseconds. */
  ms: number;
  /** Number of repetitions from an `Rn/` prefix; -1 when absent (unbounded). */
  repetitions: number;
}

function atoi(s: string, input: string): number {
  // Go's strconv.Atoi: optional sign, decimal digits only.
  if (!/^[+-]?[0-9]+$/.test(s)) throw isoError(input);
  return Number(s);
}

function isoError(input: string): DurationError {
  return new DurationError(input, `unsupported ISO8601 duration format: ${input}`);
}

/**
 * Parses an ISO 8601 duration the way dapr/kit does (including its leniency:
 * unknown characters are skipped and trailing digits without a designator are ignored).
 */
export function parseIsoDuration(input: string): IsoDuration {
  const out: IsoDuration = { years: 0, months: 0, days: 0, ms: 0, repetitions: -1 };
  const l = input.length;
  if (l < 2) throw isoError(input);
  let i = 0;

  if (input[0] === "R") {
    do i++;
    while (i < l && input[i] !== "/");
    if (i - 1 < 1) throw isoError(input);
    out.repetitions = atoi(input.slice(1, i), input);
    i++;
    if (i >= l) return out;
  }

  if (input[i] !== "P") throw isoError(input);
  i++;

  let start = i;
  let inTime = false;
  for (; i < l; i++) {
    const c = input[i];
    switch (c) {
      case "T":
        if (start !== i) throw isoError(input);
        inTime = true;
        start = i + 1;
        break;
      case "Y":
      case "W":
      case "D": {
        if (inTime || start === i) throw isoError(input);
        const n = atoi(input.slice(start, i), input);
        if (c === "Y") out.years = n;
        else out.days += c === "W" ? n * 7 : n;
        start = i + 1;
        break;
      }
      case "H":
      case "S": {
        if (!inTime || start === i) throw isoError(input);
        const n = atoi(input.slice(start, i), input);
        out.ms += n * (c === "H" ? 3_600_000 : 1_000);
        start = i + 1;
        break;
      }
      case "M": {
        // "M" means months before the "T" and minutes after it.
        if (start === i) throw isoError(input);
        const n = atoi(input.slice(start, i), input);
        if (inTime) out.ms += n * 60_000;
        else out.months = n;
        start = i + 1;
        break;
      }
      default:
        break;
    }
  }
  return out;
}

/**
 * Reminder/timer period or TTL-style duration (dapr/kit `time.ParseDuration`):
 * ISO 8601 first, then a Go duration (which has unbounded repetitions).
 */
export function parseReminderDuration(input: string): IsoDuration {
  try {
    return parseIsoDuration(input);
  } catch {
    // fall through to Go syntax
  }
  try {
    return { years: 0, months: 0, days: 0, ms: parseGoDuration(input), repetitions: -1 };
  } catch {
    throw new DurationError(input, `unsupported duration format: ${input}`);
  }
}

const rfc3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Parses an RFC 3339 timestamp strictly (as Go's `time.Parse(time.RFC3339, …)`). */
export function parseRfc3339(input: string): Date {
  const m = rfc3339.exec(input);
  if (!m) throw new DurationError(input, `invalid RFC3339 time ${quote(input)}`);
  const [, y, mo, d, h, mi, sec, frac, zone] = m;
  const year = Number(y), month = Number(mo), day = Number(d);
  const hour = Number(h), minute = Number(mi), second = Number(sec);
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) {
    throw new DurationError(input, `invalid RFC3339 time ${quote(input)}: field out of range`);
  }
  let offsetMin = 0;
  if (zone !== "Z") {
    const sign = zone![0] === "-" ? -1 : 1;
    const oh = Number(zone!.slice(1, 3)), om = Number(zone!.slice(4, 6));
    if (oh > 23 || om > 59) throw new DurationError(input, `invalid RFC3339 time ${quote(input)}: bad zone offset`);
    offsetMin = sign * (oh * 60 + om);
  }
  const fracMs = frac ? Math.floor(Number("0" + frac) * 1000) : 0;
  // setUTCFullYear, unlike Date.UTC, does not map years 0-99 to 1900-1999.
  const dt = new Date(0);
  dt.setUTCFullYear(year, month - 1, day);
  dt.setUTCHours(hour, minute, second, fracMs);
  return new Date(dt.getTime() - offsetMin * 60_000);
}

/** Adds an ISO duration's calendar parts and time part to `start` (as Go's AddDate(...).Add(...), in UTC). */
export function addIsoDuration(start: Date, d: IsoDuration): Date {
  const t = new Date(start.getTime());
  if (d.years || d.months || d.days) {
    t.setUTCFullYear(t.getUTCFullYear() + d.years, t.getUTCMonth() + d.months, t.getUTCDate() + d.days);
  }
  return new Date(t.getTime() + d.ms);
}

/**
 * Parses a due time (dapr/kit `time.ParseTime`): an ISO 8601 duration without
 * repetitions, a Go duration, or an absolute RFC 3339 timestamp. Durations are
 * added to `start` (default: now).
 */
export function parseDueTime(input: string, start: Date = new Date()): Date {
  let iso: IsoDuration | undefined;
  try {
    iso = parseIsoDuration(input);
  } catch {
    iso = undefined;
  }
  if (iso) {
    if (iso.repetitions !== -1) throw new DurationError(input, `repetitions are not allowed in ${quote(input)}`);
    return addIsoDuration(start, iso);
  }
  try {
    return new Date(start.getTime() + parseGoDuration(input));
  } catch {
    // try an absolute time next
  }
  try {
    return parseRfc3339(input);
  } catch {
    throw new DurationError(input, `unsupported time/duration format: ${input}`);
  }
}

export interface ScheduleTimes {
  /** First firing time (now when no due time is given). */
  dueTime: Date;
  /** Repeat period; undefined for a one-shot. `repetitions` -1 means forever. */
  period?: IsoDuration;
  /** Expiry, measured from the due time when given as a duration. */
  ttl?: Date;
}

/**
 * Checks and resolves the `dueTime`, `period` and `ttl` of an actor reminder or
 * timer request with daprd's rules and messages: a period with zero repetitions
 * is refused, and so is a TTL that is already past (or before the due time).
 */
export function parseScheduleTimes(
  kind: "reminder" | "timer",
  name: string,
  req: { dueTime?: string; period?: string; ttl?: string },
  now: Date = new Date(),
): ScheduleTimes {
  const wrap = (what: string, err: unknown) =>
    new DurationError(String((err as DurationError).value ?? ""), `error parsing ${kind} ${what}: ${(err as Error).message}`);

  let dueTime = now;
  if (req.dueTime) {
    try {
      dueTime = parseDueTime(req.dueTime, now);
    } catch (err) {
      throw wrap("due time", err);
    }
  }
  const out: ScheduleTimes = { dueTime };
  if (req.period) {
    try {
      out.period = parseReminderDuration(req.period);
    } catch (err) {
      throw wrap("period", err);
    }
    if (out.period.repetitions === 0) throw new DurationError(req.period, `${kind} ${name} has zero repetitions`);
  }
  if (req.ttl) {
    let ttl: Date;
    try {
      ttl = parseDueTime(req.ttl, dueTime);
    } catch (err) {
      throw wrap("TTL", err);
    }
    if (now.getTime() > ttl.getTime() || dueTime.getTime() > ttl.getTime()) {
      throw new DurationError(
        req.ttl,
        `${kind} ${name} has already expired: registeredTime: ${formatRfc3339(dueTime)} TTL:${req.ttl}`,
      );
    }
    out.ttl = ttl;
  }
  return out;
}

/** RFC 3339 in UTC without fractional seconds (Go's time.RFC3339 layout). */
export function formatRfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}
