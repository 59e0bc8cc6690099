import { describe, it, expect } from "vitest";
import { silentLogger } from "../log/logger.js";
import { defaultRetryConfig, type RetryConfig } from "./backoff.js";
import { CircuitBreaker } from "./circuit-breaker.js";
import { ManualClock } from "./clock.js";
import { CircuitBreakerOpenError, PermanentError, TimeoutError } from "./errors.js";
import { noopRunner, PolicyRunner, type PolicyDefinition } from "./runner.js";
import { StatusCodeFilter } from "./status-codes.js";

function retry(config: Partial<RetryConfig>, matching?: { httpStatusCodes?: string; gRPCStatusCodes?: string }) {
  return { config: { ...defaultRetryConfig(), ...config }, filter: StatusCodeFilter.parse(matching) };
}

function setup(def: Omit<PolicyDefinition, "name">) {
  const clock = new ManualClock();
  const runner = new PolicyRunner({ name: "test", ...def }, { clock, logger: silentLogger, random: () => 0.5 });
  return { clock, runner };
}

class HttpError extends Error {
  constructor(readonly httpStatus: number) {
    super(`status ${httpStatus}`);
  }
}

describe("noopRunner", () => {
  it("calls fn exactly once and passes errors through", async () => {
    let calls = 0;
    await expect(noopRunner.run(async () => (calls++, "v"))).resolves.toBe("v");
    await expect(noopRunner.run(() => Promise.reject(new Error("x")))).rejects.toThrow("x");
    await expect(noopRunner.run(() => { throw new Error("sync"); })).rejects.toThrow("sync");
    expect(calls).toBe(1);
    expect(noopRunner.hasRetries).toBe(false);
  });
});

describe("PolicyRunner retries", () => {
  it("constant: attempts = maxRetries + 1, spaced by `duration`", async () => {
    const { clock, runner } = setup({ timeoutMs: 0, retry: retry({ policy: "constant", durationMs: 1000, maxRetries: 3 }) });
    const times: number[] = [];
    const out = await clock.drive(runner.run(async () => {
      times.push(clock.now());
      throw new Error("down");
    }));
    expect((out.error as Error).message).toBe("down");
    expect(times.length).toBe(4);
    expect(times.slice(1).map((t, i) => t - times[i]!)).toEqual([1000, 1000, 1000]);
  });

  it("exponential: waits grow 500, 750, 1125… up to maxInterval", async () => {
    const { clock, runner } = setup({ timeoutMs: 0, retry: retry({ policy: "exponential", maxIntervalMs: 1500, maxRetries: 5 }) });
    const times: number[] = [];
    await clock.drive(runner.run(async () => {
      times.push(clock.now());
      throw new Error("down");
    }));
    expect(times.length).toBe(6);
    expect(times.slice(1).map((t, i) => t - times[i]!)).toEqual([500, 750, 1125, 1500, 1500]);
  });

  it("stops at the first success", async () => {
    const { clock, runner } = setup({ timeoutMs: 0, retry: retry({ durationMs: 10, maxRetries: 10 }) });
    let calls = 0;
    const out = await clock.drive(runner.run(async () => {
      if (++calls < 3) throw new Error("flaky");
      return "done";
    }));
    expect(out.value).toBe("done");
    expect(calls).toBe(3);
  });

  it("retries only statuses listed in `matching`", async () => {
    const { clock, runner } = setup({ timeoutMs: 0, retry: retry({ durationMs: 10, maxRetries: 3 }, { httpStatusCodes: "500-599" }) });
    let calls = 0;
    const notFound = await clock.drive(runner.run(async () => {
      calls++;
      throw new HttpError(404);
    }));
    expect((notFound.error as HttpError).httpStatus).toBe(404);
    expect(calls).toBe(1);

    calls = 0;
    await clock.drive(runner.run(async () => {
      calls++;
      throw new HttpError(503);
    }));
    expect(calls).toBe(4);

    // Errors without a status are always retried.
    calls = 0;
    await clock.drive(runner.run(async () => {
      calls++;
      throw new Error("connection refused");
    }));
    expect(calls).toBe(4);
  });

  it("matches gRPC codes against gRPCStatusCodes", async () => {
    const { clock, runner } = setup({ timeoutMs: 0, retry: retry({ durationMs: 10, maxRetries: 2 }, { gRPCStatusCodes: "14" }) });
    let calls = 0;
    await clock.drive(runner.run(async () => {
      calls++;
      throw Object.assign(new Error("unavailable"), { grpcCode: 14 });
    }));
    expect(calls).toBe(3);
    calls = 0;
    await clock.drive(runner.run(async () => {
      calls++;
      throw Object.assign(new Error("invalid"), { grpcCode: 3 });
    }));
    expect(calls).toBe(1);
  });

  it("retries results classified as failures and returns the last one when retries run out", async () => {
    const { clock, runner } = setup({ timeoutMs: 0, retry: retry({ durationMs: 10, maxRetries: 2 }, { httpStatusCodes: "503" }) });
    let calls = 0;
    const out = await clock.drive(runner.run(async () => ({ status: 503, n: ++calls }), {
      classify: (r) => (r.status >= 400 ? { httpStatus: r.status } : undefined),
    }));
    expect(out.value).toEqual({ status: 503, n: 3 });

    calls = 0;
    const notRetried = await clock.drive(runner.run(async () => ({ status: 500, n: ++calls }), {
      classify: (r) => (r.status >= 400 ? { httpStatus: r.status } : undefined),
    }));
    expect(notRetried.value).toEqual({ status: 500, n: 1 });
  });

  it("honours isRetriable and PermanentError", async () => {
    const { clock, runner } = setup({ timeoutMs: 0, retry: retry({ durationMs: 10, maxRetries: 5 }) });
    let calls = 0;
    const out = await clock.drive(runner.run(async () => {
      calls++;
      throw new Error("bad input");
    }, { isRetriable: (e) => !(e instanceof Error && e.message === "bad input") }));
    expect((out.error as Error).message).toBe("bad input");
    expect(calls).toBe(1);

    calls = 0;
    const inner = new Error("stop now");
    const perm = await clock.drive(runner.run(async () => {
      calls++;
      throw new PermanentError(inner);
    }));
    expect(perm.error).toBe(inner);
    expect(calls).toBe(1);
  });

  it("stops waiting when the caller's signal aborts", async () => {
    const { clock, runner } = setup({ timeoutMs: 0, retry: retry({ durationMs: 60_000, maxRetries: -1 }) });
    const ac = new AbortController();
    let calls = 0;
    const p = runner.run(async () => {
      calls++;
      throw new Error("down");
    }, { signal: ac.signal });
    await clock.advance(1);
    ac.abort(new Error("client gone"));
    const out = await clock.drive(p);
    expect((out.error as Error).message).toBe("client gone");
    expect(calls).toBe(1);
  });

  it("reports hasRetries", () => {
    expect(setup({ timeoutMs: 0, retry: retry({ maxRetries: 0 }) }).runner.hasRetries).toBe(false);
    expect(setup({ timeoutMs: 0, retry: retry({ maxRetries: -1 }) }).runner.hasRetries).toBe(true);
  });
});

describe("PolicyRunner timeout", () => {
  it("cuts a slow call, aborts its signal, and rejects with TimeoutError", async () => {
    const { clock, runner } = setup({ timeoutMs: 5000 });
    let seen: AbortSignal | undefined;
    const p = runner.run((signal) => {
      seen = signal;
      return new Promise<string>((resolve) => clock.setTimer(60_000, () => resolve("late")));
    });
    const out = await clock.drive(p);
    expect(out.error).toBeInstanceOf(TimeoutError);
    expect((out.error as Error).message).toBe("context deadline exceeded");
    expect(seen?.aborted).toBe(true);
    expect(clock.now() - 1_700_000_000_000).toBeLessThan(60_000);
  });

  it("applies per attempt, inside the retry loop", async () => {
    const { clock, runner } = setup({ timeoutMs: 1000, retry: retry({ durationMs: 500, maxRetries: 2 }) });
    const starts: number[] = [];
    let calls = 0;
    const out = await clock.drive(runner.run(() => {
      starts.push(clock.now());
      calls++;
      if (calls < 3) return new Promise<string>(() => {}); // hangs until the timeout
      return Promise.resolve("third time lucky");
    }));
    expect(out.value).toBe("third time lucky");
    expect(starts.slice(1).map((t, i) => t - starts[i]!)).toEqual([1500, 1500]);
  });

  it("a fast call is unaffected and leaves no timer behind", async () => {
    const { clock, runner } = setup({ timeoutMs: 1000 });
    await expect(runner.run(async () => "quick")).resolves.toBe("quick");
    expect(clock.pending).toBe(0);
  });
});

describe("PolicyRunner circuit breaker", () => {
  it("breaker wraps each attempt; an open breaker ends retries at once", async () => {
    const clock = new ManualClock();
    const breaker = new CircuitBreaker("cb", { maxRequests: 1, intervalMs: 0, timeoutMs: 10_000, trip: (c) => c.consecutiveFailures >= 2 }, clock);
    const runner = new PolicyRunner({ name: "t", timeoutMs: 0, retry: retry({ durationMs: 100, maxRetries: 5 }), breaker }, { clock, logger: silentLogger });
    let calls = 0;
    const out = await clock.drive(runner.run(async () => {
      calls++;
      throw new Error("down");
    }));
    // Two real attempts trip the breaker; the third attempt is refused and not retried.
    expect(calls).toBe(2);
    expect(out.error).toBeInstanceOf(CircuitBreakerOpenError);
    expect(breaker.state).toBe("open");
  });

  it("timeouts count as breaker failures", async () => {
    const clock = new ManualClock();
    const breaker = new CircuitBreaker("cb", { maxRequests: 1, intervalMs: 0, timeoutMs: 10_000, trip: (c) => c.consecutiveFailures >= 1 }, clock);
    const runner = new PolicyRunner({ name: "t", timeoutMs: 100, breaker }, { clock, logger: silentLogger });
    const out = await clock.drive(runner.run(() => new Promise(() => {})));
    expect(out.error).toBeInstanceOf(TimeoutError);
    expect(breaker.state).toBe("open");
  });
});
