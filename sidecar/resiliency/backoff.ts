// Retry back-off, with the semantics Dapr gets from dapr/kit `retry.Config` on top
// of cenkalti/backoff v4:
// - constant: always `duration` (default 5s).
// - exponential: starts at `initialInterval` (500ms), each next interval is the
//   previous one times `multiplier` (1.5) capped at `maxInterval` (60s), and each
//   wait is randomised by ±`randomizationFactor` (0.5). Stops once the elapsed time
//   plus the next wait would exceed `maxElapsedTime` (15m; 0 = never).
// - maxRetries: -1 = unlimited, 0 = no retry, n = at most n retries (n+1 attempts).

import type { Clock } from "./clock.js";

export type BackoffPolicy = "constant" | "exponential";

export interface RetryConfig {
  policy: BackoffPolicy;
  durationMs: number;
  initialIntervalMs: number;
  randomizationFactor: number;
  multiplier: number;
  maxIntervalMs: number;
  maxElapsedTimeMs: number;
  maxRetries: number;
}

/** dapr/kit retry.DefaultConfig(). */
export function defaultRetryConfig(): RetryConfig {
  return {
    policy: "constant",
    durationMs: 5_000,
    initialIntervalMs: 500,
    randomizationFactor: 0.5,
    multiplier: 1.5,
    maxIntervalMs: 60_000,
    maxElapsedTimeMs: 15 * 60_000,
    maxRetries: -1,
  };
}

/** Returned by `next()` when no more retries should happen. */
export const STOP = -1;

/** One retry sequence. Create a fresh one per `run` (it keeps state). */
export class Backoff {
  private tries = 0;
  private currentInterval: number;
  private readonly startedAt: number;

  constructor(
    private readonly config: RetryConfig,
    private readonly clock: Clock,
    private readonly random: () => number = Math.random,
  ) {
    this.currentInterval = config.initialIntervalMs;
    this.startedAt = clock.now();
  }

  /** The wait before the next attempt in ms, or STOP. */
  next(): number {
    const { maxRetries } = this.config;
    if (maxRetries === 0) return STOP;
    if (maxRetries > 0) {
      if (this.tries >= maxRetries) return STOP;
      this.tries++;
    }
    return this.config.policy === "constant" ? this.config.durationMs : this.nextExponential();
  }

  private nextExponential(): number {
    const c = this.config;
    const elapsed = this.clock.now() - this.startedAt;
    const next = randomize(c.randomizationFactor, this.random(), this.currentInterval);
    // Grow the interval, capped at maxInterval (and guarding against overflow).
    this.currentInterval =
      this.currentInterval >= c.maxIntervalMs / c.multiplier ? c.maxIntervalMs : this.currentInterval * c.multiplier;
    if (c.maxElapsedTimeMs !== 0 && elapsed + next > c.maxElapsedTimeMs) return STOP;
    return next;
  }
}

/** A random value in [interval - f*interval, interval + f*interval]. */
function randomize(factor: number, random: number, interval: number): number {
  if (factor === 0) return interval;
  const delta = factor * interval;
  const min = interval - delta;
  const max = interval + delta;
  return min + random * (max - min);
}
