// Runs one operation under a resolved policy. Layering is Dapr's
// (pkg/resiliency/policy.go NewRunnerWithOptions):
//
//   retry( circuitBreaker( timeout( fn ) ) )
//
// - the timeout applies to each attempt separately;
// - each attempt passes through the breaker, so every failed attempt (including
//   a timed-out one) counts towards tripping it;
// - a breaker rejection (open / too many half-open requests) is permanent and
//   ends the retry loop at once;
// - retries wait per the back-off and stop when `matching` excludes the status.

import { setMaxListeners } from "node:events";
import type { Logger } from "../log/logger.js";
import { Backoff, STOP, type RetryConfig } from "./backoff.js";
import type { CircuitBreaker, BreakerState } from "./circuit-breaker.js";
import { sleep, type Clock } from "./clock.js";
import { CircuitBreakerOpenError, PermanentError, TimeoutError, statusOfError, type StatusCode } from "./errors.js";
import type { StatusCodeFilter } from "./status-codes.js";

export interface RunOptions<T> {
  /**
   * Return false to stop retrying this failure. Called with the thrown error, or
   * with `err` undefined and the result when `classify` marked a result as failed.
   */
  isRetriable?(err: unknown, result?: T): boolean;
  /**
   * Marks a result as a failure (e.g. an HTTP 503 from the app) by returning its
   * status; undefined means success. A failed result is retried like an error;
   * when no retry is left the last result is returned, not thrown.
   */
  classify?(result: T): StatusCode | undefined;
  /** Cancels the whole run (all attempts and waits), e.g. when the caller goes away. */
  signal?: AbortSignal;
}

export interface Runner {
  run<T>(fn: (signal: AbortSignal) => Promise<T>, opts?: RunOptions<T>): Promise<T>;
  /** True when a retry policy may run the operation more than once (request bodies must be replayable). */
  readonly hasRetries: boolean;
}

const neverAborted = new AbortController().signal;
// Every call without a policy of its own gets this signal; each listener goes when its call ends,
// but many calls at once would trip Node's (false) "possible EventTarget memory leak" warning.
setMaxListeners(0, neverAborted);

/**
 * False for the signal a run without one of its own hands its operation (it is
 * never aborted): a hot path can skip listening to it.
 */
export function mayAbort(signal: AbortSignal): boolean {
  return signal !== neverAborted;
}

/** The runner for "no policy": calls `fn` once, as is. */
export const noopRunner: Runner = {
  hasRetries: false,
  run<T>(fn: (signal: AbortSignal) => Promise<T>, opts?: RunOptions<T>): Promise<T> {
    try {
      return fn(opts?.signal ?? neverAborted);
    } catch (err) {
      return Promise.reject(err);
    }
  },
};

export interface RetryPolicy {
  config: RetryConfig;
  filter: StatusCodeFilter;
}

/** Hooks for Dapr's resiliency metrics; each is optional. */
export interface PolicyHooks {
  executed?(): void;
  timeoutActivated?(): void;
  retryActivated?(): void;
  breakerStateChanged?(state: BreakerState): void;
}

export interface PolicyDefinition {
  /** For logs, e.g. "endpoint[app, app:method]". */
  name: string;
  timeoutMs: number;
  retry?: RetryPolicy;
  breaker?: CircuitBreaker;
  hooks?: PolicyHooks;
}

export interface RunnerDeps {
  clock: Clock;
  logger: Logger;
  random?: () => number;
}

/** Outcome of one attempt: a value, and its failure status if `classify` flagged it. */
interface Attempt<T> {
  value: T;
  failure?: StatusCode;
}

export class PolicyRunner implements Runner {
  readonly hasRetries: boolean;

  constructor(
    private readonly def: PolicyDefinition,
    private readonly deps: RunnerDeps,
  ) {
    this.hasRetries = def.retry !== undefined && def.retry.config.maxRetries !== 0;
  }

  async run<T>(fn: (signal: AbortSignal) => Promise<T>, opts: RunOptions<T> = {}): Promise<T> {
    const { def, deps } = this;
    def.hooks?.executed?.();
    const state = { timeoutReported: false };
    const attempt = () => this.attemptThroughBreaker(fn, opts, state);

    if (!def.retry) {
      return (await attempt()).value;
    }

    const filter = def.retry.filter;
    const backoff = new Backoff(def.retry.config, deps.clock, deps.random);
    let notified = false;
    for (;;) {
      let outcome: Attempt<T> | undefined;
      let error: unknown;
      try {
        outcome = await attempt();
        if (outcome.failure === undefined) {
          if (notified) deps.logger.info(`Recovered processing operation ${def.name}`);
          return outcome.value;
        }
      } catch (err) {
        if (err instanceof CircuitBreakerOpenError) throw err;
        if (err instanceof PermanentError) throw err.cause;
        error = err;
      }

      // Decide whether this failure may be retried at all.
      const status = outcome ? outcome.failure! : statusOfError(error);
      const retriable =
        (status === undefined || filter.shouldRetry(status)) &&
        (opts.isRetriable === undefined || (outcome ? opts.isRetriable(undefined, outcome.value) : opts.isRetriable(error)));
      const finish = (): T => {
        if (outcome) return outcome.value;
        throw error;
      };
      if (!retriable) return finish();
      if (opts.signal?.aborted) throw opts.signal.reason;

      const wait = backoff.next();
      if (wait === STOP) return finish();
      if (!notified) {
        notified = true;
        def.hooks?.retryActivated?.();
        deps.logger.info(`Error processing operation ${def.name}. Retrying in ${Math.round(wait)}ms…`);
        if (deps.logger.enabled("debug")) {
          const why = error instanceof Error ? error.message : outcome ? `status ${JSON.stringify(status)}` : String(error);
          deps.logger.debug(`Error for operation ${def.name} was: ${why}`);
        }
      }
      await sleep(deps.clock, wait, opts.signal);
    }
  }

  private async attemptThroughBreaker<T>(
    fn: (signal: AbortSignal) => Promise<T>,
    opts: RunOptions<T>,
    state: { timeoutReported: boolean },
  ): Promise<Attempt<T>> {
    const breaker = this.def.breaker;
    if (!breaker) return this.attemptWithTimeout(fn, opts, state);

    const before = breaker.state;
    const generation = breaker.before();
    let outcome: Attempt<T>;
    try {
      outcome = await this.attemptWithTimeout(fn, opts, state);
    } catch (err) {
      breaker.after(generation, false);
      this.reportBreaker(before);
      throw err;
    }
    breaker.after(generation, outcome.failure === undefined);
    this.reportBreaker(before);
    return outcome;
  }

  private reportBreaker(before: BreakerState): void {
    const now = this.def.breaker!.state;
    if (now !== before) this.def.hooks?.breakerStateChanged?.(now);
  }

  private attemptWithTimeout<T>(
    fn: (signal: AbortSignal) => Promise<T>,
    opts: RunOptions<T>,
    state: { timeoutReported: boolean },
  ): Promise<Attempt<T>> {
    const classify = (value: T): Attempt<T> => {
      const failure = opts.classify?.(value);
      return failure === undefined ? { value } : { value, failure };
    };
    const timeoutMs = this.def.timeoutMs;
    if (!(timeoutMs > 0)) return invoke(fn, opts.signal ?? neverAborted).then(classify);

    const controller = new AbortController();
    const parent = opts.signal;
    const onParentAbort = () => controller.abort(parent!.reason);
    if (parent?.aborted) controller.abort(parent.reason);
    else parent?.addEventListener("abort", onParentAbort, { once: true });

    return new Promise<Attempt<T>>((resolve, reject) => {
      let settled = false;
      const cancelTimer = this.deps.clock.setTimer(timeoutMs, () => {
        if (settled) return;
        settled = true;
        parent?.removeEventListener("abort", onParentAbort);
        const err = new TimeoutError(timeoutMs);
        // Abort the operation so it can stop its work; its late result is dropped.
        controller.abort(err);
        if (!state.timeoutReported) {
          state.timeoutReported = true;
          this.def.hooks?.timeoutActivated?.();
        }
        reject(err);
      });
      invoke(fn, controller.signal).then(
        (value) => {
          if (settled) return;
          settled = true;
          cancelTimer();
          parent?.removeEventListener("abort", onParentAbort);
          resolve(classify(value));
        },
        (err) => {
          if (settled) return;
          settled = true;
          cancelTimer();
          parent?.removeEventListener("abort", onParentAbort);
          reject(err);
        },
      );
    });
  }
}

function invoke<T>(fn: (signal: AbortSignal) => Promise<T>, signal: AbortSignal): Promise<T> {
  try {
    return Promise.resolve(fn(signal));
  } catch (err) {
    return Promise.reject(err);
  }
}
