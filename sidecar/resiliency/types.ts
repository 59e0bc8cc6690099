// Shapes of the `dapr.io/v1alpha1 Resiliency` resource as it arrives here:
// already schema-valid (the CRD schema is checked elsewhere), so fields have
// the right JSON types but their meaning is still unchecked.

export interface ResiliencyResource {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string };
  /** App IDs this resource applies to; empty or absent means every app. */
  scopes?: string[];
  spec: ResiliencySpec;
}

/**
 * What the provider accepts: any object with metadata and a spec, e.g. the
 * loader's `ResiliencyResource` whose spec is untyped. The spec is read
 * defensively; wrongly-typed parts are reported, never crash.
 */
export interface ResiliencyInput {
  metadata: { name: string; namespace?: string };
  scopes?: string[];
  spec: unknown;
}

export interface ResiliencySpec {
  policies: {
    timeouts?: Record<string, string>;
    retries?: Record<string, RetrySpec>;
    circuitBreakers?: Record<string, CircuitBreakerSpec>;
  };
  targets: {
    apps?: Record<string, EndpointTargetSpec>;
    actors?: Record<string, ActorTargetSpec>;
    components?: Record<string, ComponentTargetSpec>;
  };
}

export interface RetrySpec {
  policy?: string;
  duration?: string;
  maxInterval?: string;
  maxRetries?: number;
  matching?: { httpStatusCodes?: string; gRPCStatusCodes?: string };
}

export interface CircuitBreakerSpec {
  maxRequests?: number;
  interval?: string;
  timeout?: string;
  trip?: string;
}

export interface PolicyNamesSpec {
  timeout?: string;
  retry?: string;
  circuitBreaker?: string;
}

export interface EndpointTargetSpec extends PolicyNamesSpec {
  circuitBreakerCacheSize?: number;
}

export interface ActorTargetSpec extends PolicyNamesSpec {
  circuitBreakerScope?: string;
  circuitBreakerCacheSize?: number;
}

export interface ComponentTargetSpec {
  outbound?: PolicyNamesSpec;
  inbound?: PolicyNamesSpec;
}

/** Component categories as the runtime names them (the folder names under components/). */
export type ComponentCategory = "state" | "pubsub" | "bindings" | "secretstores" | "configuration" | "lock" | "crypto";

/** Dapr's built-in retry policies, which users may override by name. */
export type BuiltInPolicyName =
  | "DaprBuiltInServiceRetries"
  | "DaprBuiltInActorRetries"
  | "DaprBuiltInActorReminderRetries"
  | "DaprBuiltInActorNotFoundRetries"
  | "DaprBuiltInInitializationRetries";
