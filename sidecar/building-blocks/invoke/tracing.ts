// W3C trace context for invocations: keep the caller's trace id, start a new
// span id per hop, and start a new trace (sampled per the Configuration's
// samplingRate) when the caller sent none.
import { randomBytes } from "node:crypto";

const traceparentRe = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

export function nextTraceparent(incoming: string | undefined, samplingRate: number): string {
  const m = incoming ? traceparentRe.exec(incoming.trim()) : null;
  const span = randomBytes(8).toString("hex");
  if (m && m[1] !== "0".repeat(32)) return `00-${m[1]}-${span}-${m[3]}`;
  const sampled = Math.random() < samplingRate ? "01" : "00";
  return `00-${randomBytes(16).toString("hex")}-${span}-${sampled}`;
}

export function traceIdOf(traceparent: string): string | undefined {
  return traceparentRe.exec(traceparent)?.[1];
}
