// W3C trace context for invocations: keep the caller's trace id, start a new
// span id per hop, and start a new trace (sampled per the Configuration's
// samplingRate) when the caller sent none.
import { randomHex } from "../../tracing/random-ids.js";

const traceparentRe = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

const invalidTraceId = "0".repeat(32);

export function nextTraceparent(incoming: string | undefined, samplingRate: number): string {
  const m = incoming ? traceparentRe.exec(incoming.trim()) : null;
  if (m && m[1] !== invalidTraceId) return `00-${m[1]}-${randomHex(8)}-${m[3]}`;
  const sampled = Math.random() < samplingRate ? "01" : "00";
  // A new trace id and span id from one draw of 24 random bytes.
  const ids = randomHex(24);
  return `00-${ids.slice(0, 32)}-${ids.slice(32)}-${sampled}`;
}

export function traceIdOf(traceparent: string): string | undefined {
  return traceparentRe.exec(traceparent)?.[1];
}
