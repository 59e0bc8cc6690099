// W3C trace context for invocations: keep the caller's trace id, start a new
// span id per hop, and start a new trace (sampled per the Configuration's
// samplingRate) when the caller sent none.
import { randomHex } from "../../tracing/random-ids.js";

const traceparentRe = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

export function nextTraceparent(incoming: string | undefined, samplingRate: number): string {
  const m = incoming ? traceparentRe.exec(incoming.trim()) : null;
  const span = randomHex(8);
  if (m && m[1] !== "0".repeat(32)) return `00-${m[1]}-${span}-${m[3]}`;
  const sampled = Math.random() < samplingRate ? "01" : "00";
  return `00-${randomHex(16)}-${span}-${sampled}`;
}

export function traceIdOf(traceparent: string): string | undefined {
  return traceparentRe.exec(traceparent)?.[1];
}
