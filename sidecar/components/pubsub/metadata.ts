// Metadata parsing shared by the pub/sub components: durations as Dapr reads
// them (a bare integer is milliseconds, otherwise Go duration syntax) and the
// per-message `ttlInSeconds`.
import { prop, type Properties } from "../component.js";

const unitMs: Record<string, number> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses "1500" (ms), "15s", "1m30s", "250ms" into milliseconds; throws naming `name` on bad input. */
export function parseDurationMs(value: string, name: string): number {
  const v = value.trim();
  if (/^-?\d+$/.test(v)) return Number(v);
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(v); m; m = re.exec(v)) {
    total += Number(m[1]) * unitMs[m[2]!]!;
    matched = re.lastIndex;
  }
  if (matched === 0 || matched !== v.length) throw new Error(`metadata '${name}' must be a duration like '15s' or milliseconds, got '${value}'`);
  return total;
}

export function durationProp(properties: Properties, name: string, dfltMs: number): number {
  const v = prop(properties, name);
  if (v === undefined || v === "") return dfltMs;
  return parseDurationMs(v, name);
}

/** Reads `ttlInSeconds` from request metadata: undefined when absent; throws when not a positive integer. */
export function messageTtlSeconds(metadata: Record<string, string>): number | undefined {
  const raw = metadata["ttlInSeconds"];
  if (raw === undefined || raw === "") return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`ttlInSeconds must be a positive integer, got '${raw}'`);
  return n;
}

/** The consumer group: `consumerID` metadata, else the app id (as the Dapr runtime fills it in). */
export function consumerIdOf(properties: Properties, appId: string): string {
  const v = prop(properties, "consumerID");
  return v && v !== "" ? v : appId;
}
