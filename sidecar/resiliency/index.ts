// Public surface of the resiliency engine. The runtime uses ResiliencyProvider
// and Runner; the rest is exported for tests and error mapping.
export { ResiliencyProvider, type ResiliencyProviderOptions } from "./provider.js";
export { mayAbort, noopRunner, type Runner, type RunOptions } from "./runner.js";
export { TimeoutError, CircuitBreakerOpenError, PermanentError, isTimeoutError, isCircuitBreakerError, type StatusCode } from "./errors.js";
export { realClock, ManualClock, type Clock } from "./clock.js";
export type { BreakerState } from "./circuit-breaker.js";
export type { ResiliencyResource, ResiliencyInput, ComponentCategory, BuiltInPolicyName } from "./types.js";
