// A circuit breaker with sony/gobreaker's exact state machine, which Dapr uses:
// - closed: calls pass; counts reset every `interval` (never when 0). After each
//   failure `trip(counts)` is evaluated; true opens the breaker.
// - open: calls fail fast; after `timeout` the next call finds it half-open.
// - half-open: at most `maxRequests` calls are let through; any failure re-opens,
//   `maxRequests` consecutive successes close it.
// Every state change starts a new "generation" and clears the counts; a call that
// finishes in an older generation is not counted.
// cockatiel's breakers cannot express the CEL trip over these counts nor the
// half-open request budget, hence this small implementation.

import type { Clock } from "./clock.js";
import { CircuitBreakerOpenError } from "./errors.js";
import { defaultTrip, type BreakerCounts, type TripFn } from "./trip-expression.js";

export type BreakerState = "closed" | "half-open" | "open";

export interface BreakerSettings {
  /** Requests allowed while half-open (gobreaker: 0 means 1). */
  maxRequests: number;
  /** Closed-state count reset period in ms; 0 = never. */
  intervalMs: number;
  /** Open-state duration in ms before half-open (gobreaker: <= 0 means 60s). */
  timeoutMs: number;
  trip?: TripFn;
}

export type StateChangeListener = (from: BreakerState, to: BreakerState) => void;

function zeroCounts(): BreakerCounts {
  return { requests: 0, totalSuccesses: 0, totalFailures: 0, consecutiveSuccesses: 0, consecutiveFailures: 0 };
}

export class CircuitBreaker {
  private readonly maxRequests: number;
  private readonly intervalMs: number;
  private readonly timeoutMs: number;
  private readonly trip: TripFn;
  private stateValue: BreakerState = "closed";
  private generation = 0;
  private counts = zeroCounts();
  private expiry = 0; // 0 = none
  private readonly listeners: StateChangeListener[] = [];

  constructor(
    readonly name: string,
    settings: BreakerSettings,
    private readonly clock: Clock,
  ) {
    this.maxRequests = settings.maxRequests > 0 ? settings.maxRequests : 1;
    this.intervalMs = settings.intervalMs > 0 ? settings.intervalMs : 0;
    this.timeoutMs = settings.timeoutMs > 0 ? settings.timeoutMs : 60_000;
    this.trip = settings.trip ?? defaultTrip;
    this.toNewGeneration(clock.now());
  }

  onStateChange(listener: StateChangeListener): void {
    this.listeners.push(listener);
  }

  /** Current state (time-based transitions applied). */
  get state(): BreakerState {
    return this.currentState(this.clock.now()).state;
  }

  /** A copy of the counts of the current generation. */
  get currentCounts(): BreakerCounts {
    this.currentState(this.clock.now());
    return { ...this.counts };
  }

  /**
   * Admits a call or throws CircuitBreakerOpenError. Returns the generation to
   * pass to `after`.
   */
  before(): number {
    const now = this.clock.now();
    const { state, generation } = this.currentState(now);
    if (state === "open") throw new CircuitBreakerOpenError(this.name, "open");
    if (state === "half-open" && this.counts.requests >= this.maxRequests) {
      throw new CircuitBreakerOpenError(this.name, "too-many-requests");
    }
    this.counts.requests++;
    return generation;
  }

  /** Records the outcome of a call admitted by `before`. */
  after(generation: number, success: boolean): void {
    const now = this.clock.now();
    const { state, generation: current } = this.currentState(now);
    if (generation !== current) return;
    if (success) this.onSuccess(state, now);
    else this.onFailure(state, now);
  }

  /** Runs `fn` through the breaker; `isSuccess` decides how the outcome counts. */
  async execute<T>(fn: () => Promise<T>, isSuccess: (result: T) => boolean = () => true): Promise<T> {
    const generation = this.before();
    let result: T;
    try {
      result = await fn();
    } catch (err) {
      this.after(generation, false);
      throw err;
    }
    this.after(generation, isSuccess(result));
    return result;
  }

  private onSuccess(state: BreakerState, now: number): void {
    const c = this.counts;
    c.totalSuccesses++;
    c.consecutiveSuccesses++;
    c.consecutiveFailures = 0;
    if (state === "half-open" && c.consecutiveSuccesses >= this.maxRequests) this.setState("closed", now);
  }

  private onFailure(state: BreakerState, now: number): void {
    if (state === "closed") {
      const c = this.counts;
      c.totalFailures++;
      c.consecutiveFailures++;
      c.consecutiveSuccesses = 0;
      if (this.trip({ ...c })) this.setState("open", now);
    } else if (state === "half-open") {
      this.setState("open", now);
    }
  }

  private currentState(now: number): { state: BreakerState; generation: number } {
    if (this.stateValue === "closed") {
      if (this.expiry !== 0 && this.expiry < now) this.toNewGeneration(now);
    } else if (this.stateValue === "open") {
      if (this.expiry < now) this.setState("half-open", now);
    }
    return { state: this.stateValue, generation: this.generation };
  }

  private setState(state: BreakerState, now: number): void {
    if (this.stateValue === state) return;
    const prev = this.stateValue;
    this.stateValue = state;
    this.toNewGeneration(now);
    for (const l of this.listeners) l(prev, state);
  }

  private toNewGeneration(now: number): void {
    this.generation++;
    this.counts = zeroCounts();
    if (this.stateValue === "closed") this.expiry = this.intervalMs === 0 ? 0 : now + this.intervalMs;
    else if (this.stateValue === "open") this.expiry = now + this.timeoutMs;
    else this.expiry = 0;
  }
}
