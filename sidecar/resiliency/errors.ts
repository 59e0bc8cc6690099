// Errors the policy engine itself produces. Callers map them to Dapr API
// errors through the catalog; the messages match Go's so logs read the same.

/** The per-attempt timeout elapsed (Go: context.DeadlineExceeded). */
export class TimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super("context deadline exceeded");
    this.name = "TimeoutError";
  }
}

/**
 * The circuit breaker rejected the call without running it: it is open, or it is
 * half-open and already has `maxRequests` calls in flight (gobreaker's two errors).
 */
export class CircuitBreakerOpenError extends Error {
  constructor(
    readonly breaker: string,
    readonly reason: "open" | "too-many-requests",
  ) {
    super(reason === "open" ? "circuit breaker is open" : "too many requests");
    this.name = "CircuitBreakerOpenError";
  }
}

/** Wraps an error so the retry loop stops at once (backoff.Permanent in Go). */
export class PermanentError extends Error {
  constructor(override readonly cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = "PermanentError";
  }
}

export function isTimeoutError(err: unknown): err is TimeoutError {
  return err instanceof TimeoutError;
}

export function isCircuitBreakerError(err: unknown): err is CircuitBreakerOpenError {
  return err instanceof CircuitBreakerOpenError;
}

/** Status of a failed call, for `matching` in retry policies. */
export interface StatusCode {
  httpStatus?: number;
  grpcCode?: number;
}

/**
 * Reads a status code off an error: `httpStatus` (HTTP transport) wins over
 * `grpcCode` when an error carries both.
 */
export function statusOfError(err: unknown): StatusCode | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const e = err as { httpStatus?: unknown; grpcCode?: unknown };
  if (typeof e.httpStatus === "number") return { httpStatus: e.httpStatus };
  if (typeof e.grpcCode === "number") return { grpcCode: e.grpcCode };
  return undefined;
}
