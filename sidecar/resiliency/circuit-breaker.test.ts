import { describe, it, expect } from "vitest";
import { CircuitBreaker, type BreakerState } from "./circuit-breaker.js";
import { ManualClock } from "./clock.js";
import { CircuitBreakerOpenError } from "./errors.js";
import { compileTrip } from "./trip-expression.js";

const fail = () => Promise.reject(new Error("boom"));
const ok = () => Promise.resolve("ok");

async function failTimes(cb: CircuitBreaker, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await expect(cb.execute(fail)).rejects.toThrow("boom");
}

describe("CircuitBreaker (gobreaker semantics)", () => {
  it("uses gobreaker defaults: trips after more than 5 consecutive failures, opens for 60s", async () => {
    const clock = new ManualClock();
    const cb = new CircuitBreaker("cb", { maxRequests: 0, intervalMs: 0, timeoutMs: 0 }, clock);
    await failTimes(cb, 5);
    expect(cb.state).toBe("closed");
    await failTimes(cb, 1);
    expect(cb.state).toBe("open");
    await clock.advance(60_000);
    expect(cb.state).toBe("open"); // gobreaker flips only once expiry is strictly in the past
    await clock.advance(1);
    expect(cb.state).toBe("half-open");
  });

  it("opens when the CEL trip holds, fails fast, half-opens after timeout, closes after maxRequests successes", async () => {
    const clock = new ManualClock();
    const transitions: [BreakerState, BreakerState][] = [];
    const cb = new CircuitBreaker("pay", { maxRequests: 2, intervalMs: 0, timeoutMs: 30_000, trip: compileTrip("consecutiveFailures >= 3").fn }, clock);
    cb.onStateChange((from, to) => transitions.push([from, to]));

    await failTimes(cb, 2);
    expect(cb.state).toBe("closed");
    await failTimes(cb, 1);
    expect(cb.state).toBe("open");

    let calls = 0;
    const counted = () => {
      calls++;
      return ok();
    };
    const err = await cb.execute(counted).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CircuitBreakerOpenError);
    expect((err as CircuitBreakerOpenError).reason).toBe("open");
    expect(calls).toBe(0);

    await clock.advance(30_001);
    expect(cb.state).toBe("half-open");
    // Two requests are let through while half-open; a third concurrent one is refused.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow = () => gate.then(() => "slow");
    const p1 = cb.execute(slow);
    const p2 = cb.execute(slow);
    const third = await cb.execute(ok).catch((e: unknown) => e);
    expect((third as CircuitBreakerOpenError).reason).toBe("too-many-requests");
    release();
    await Promise.all([p1, p2]);
    expect(cb.state).toBe("closed");
    expect(transitions).toEqual([
      ["closed", "open"],
      ["open", "half-open"],
      ["half-open", "closed"],
    ]);
  });

  it("a failure while half-open re-opens immediately", async () => {
    const clock = new ManualClock();
    const cb = new CircuitBreaker("x", { maxRequests: 1, intervalMs: 0, timeoutMs: 1000, trip: (c) => c.consecutiveFailures >= 1 }, clock);
    await failTimes(cb, 1);
    await clock.advance(1001);
    expect(cb.state).toBe("half-open");
    await failTimes(cb, 1);
    expect(cb.state).toBe("open");
  });

  it("a success resets consecutive failures; interval clears counts in closed state", async () => {
    const clock = new ManualClock();
    const cb = new CircuitBreaker("x", { maxRequests: 1, intervalMs: 10_000, timeoutMs: 1000, trip: compileTrip("totalFailures >= 3").fn }, clock);
    await failTimes(cb, 2);
    await cb.execute(ok);
    expect(cb.currentCounts).toMatchObject({ requests: 3, totalFailures: 2, consecutiveFailures: 0, consecutiveSuccesses: 1 });
    await clock.advance(10_001);
    expect(cb.currentCounts).toMatchObject({ requests: 0, totalFailures: 0 });
    await failTimes(cb, 2);
    expect(cb.state).toBe("closed");
    await failTimes(cb, 1);
    expect(cb.state).toBe("open");
  });

  it("ignores results of calls that finish in an older generation", async () => {
    const clock = new ManualClock();
    const cb = new CircuitBreaker("x", { maxRequests: 1, intervalMs: 0, timeoutMs: 1000, trip: (c) => c.consecutiveFailures >= 1 }, clock);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const late = cb.execute(() => gate.then(() => Promise.reject(new Error("late"))));
    await failTimes(cb, 1); // opens: new generation
    await clock.advance(1001);
    expect(cb.state).toBe("half-open");
    release();
    await expect(late).rejects.toThrow("late");
    expect(cb.state).toBe("half-open"); // the stale failure did not re-open it
  });

  it("can count a resolved result as a failure", async () => {
    const clock = new ManualClock();
    const cb = new CircuitBreaker("x", { maxRequests: 1, intervalMs: 0, timeoutMs: 1000, trip: (c) => c.consecutiveFailures >= 2 }, clock);
    await cb.execute(() => Promise.resolve(503), (s) => s < 500);
    await cb.execute(() => Promise.resolve(503), (s) => s < 500);
    expect(cb.state).toBe("open");
  });
});
