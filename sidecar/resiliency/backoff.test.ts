import { describe, it, expect } from "vitest";
import { Backoff, STOP, defaultRetryConfig, type RetryConfig } from "./backoff.js";
import { ManualClock } from "./clock.js";

function waits(config: Partial<RetryConfig>, count: number, random = () => 0.5, clock = new ManualClock()): number[] {
  const b = new Backoff({ ...defaultRetryConfig(), ...config }, clock, random);
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(b.next());
  return out;
}

describe("Backoff", () => {
  it("constant waits `duration` and stops after maxRetries", () => {
    expect(waits({ policy: "constant", durationMs: 1000, maxRetries: 3 }, 5)).toEqual([1000, 1000, 1000, STOP, STOP]);
  });

  it("maxRetries 0 never retries and -1 never stops", () => {
    expect(waits({ maxRetries: 0 }, 1)).toEqual([STOP]);
    expect(waits({ maxRetries: -1, durationMs: 10 }, 50).every((w) => w === 10)).toBe(true);
  });

  it("exponential grows by 1.5 from 500ms and caps at maxInterval (no jitter at random=0.5)", () => {
    expect(waits({ policy: "exponential", maxIntervalMs: 2000, maxRetries: 6 }, 7)).toEqual([500, 750, 1125, 1687.5, 2000, 2000, STOP]);
  });

  it("exponential jitter stays within ±50% of the interval", () => {
    expect(waits({ policy: "exponential", maxRetries: 2 }, 2, () => 0)).toEqual([250, 375]);
    expect(waits({ policy: "exponential", maxRetries: 2 }, 2, () => 1)).toEqual([750, 1125]);
  });

  it("exponential stops once elapsed time plus the next wait passes maxElapsedTime", async () => {
    const clock = new ManualClock();
    const b = new Backoff({ ...defaultRetryConfig(), policy: "exponential", maxElapsedTimeMs: 2000 }, clock, () => 0.5);
    expect(b.next()).toBe(500);
    await clock.advance(500);
    expect(b.next()).toBe(750);
    await clock.advance(750);
    // elapsed 1250 + next 1125 > 2000
    expect(b.next()).toBe(STOP);
  });
});
