// Metadata helpers shared by the state stores: durations as Dapr's metadata
// decoder reads them, the TTL a write gets (request first, then the
// component default), and the `ttlExpireTime` response metadata Dapr returns.
import { prop, type Properties } from "../../component.js";
import { ttlFromMetadata } from "../state-store.js";

const unitMs: Record<string, number> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parses a Go duration ("20s", "1m30s", "250ms"). A bare integer is read in
 * `bareUnitMs` units (the state stores' metadata read them as seconds, as
 * their `...InSeconds` aliases and Dapr's docs say).
 */
export function parseDuration(value: string, name: string, bareUnitMs = 1): number {
  const v = value.trim();
  if (/^-?\d+$/.test(v)) return Number(v) * bareUnitMs;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  const negative = v.startsWith("-");
  re.lastIndex = negative ? 1 : 0;
  for (let m = re.exec(v); m; m = re.exec(v)) {
    total += Number(m[1]) * unitMs[m[2]!]!;
    matched = re.lastIndex;
  }
  if (matched === 0 || matched !== v.length) {
    throw new Error(`metadata '${name}' must be a duration like '20s' or '1m', got '${value}'`);
  }
  return negative ? -total : total;
}

/**
 * Reads a duration property; `legacySecondsName` is the older `...InSeconds`
 * alias some stores still accept. dapr/kit's decoder reads a bare number as
 * seconds (the default); Dapr's Redis settings read it as milliseconds.
 */
export function durationProp(properties: Properties, name: string, dfltMs: number, legacySecondsName?: string, bareUnitMs = 1000): number {
  const v = prop(properties, name);
  if (v !== undefined && v !== "") return parseDuration(v, name, bareUnitMs);
  if (legacySecondsName) {
    const legacy = prop(properties, legacySecondsName);
    if (legacy !== undefined && legacy !== "") return parseDuration(legacy, legacySecondsName, 1000);
  }
  return dfltMs;
}

/**
 * The TTL in seconds for one write: the request's `ttlInSeconds`, else the
 * component default. Undefined means "leave as is"; <= 0 means "never expire".
 */
export function effectiveTtl(requestMetadata: Record<string, string>, componentDefault?: number): number | undefined {
  const fromRequest = ttlFromMetadata(requestMetadata);
  return fromRequest ?? componentDefault;
}

/** Dapr formats `ttlExpireTime` as RFC 3339 in UTC with whole seconds. */
export function ttlExpireTimeMetadata(expireAtMs: number | undefined): Record<string, string> | undefined {
  if (expireAtMs === undefined) return undefined;
  return { ttlExpireTime: new Date(expireAtMs).toISOString().replace(/\.\d{3}Z$/, "Z") };
}
