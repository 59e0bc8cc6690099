// Dapr's resiliency metrics (pkg/diagnostics/resiliency_monitoring.go), on the
// process-wide registry. Label names and values are Dapr's:
// - target: "app_<appId>", "actor_<type>", "<ComponentType>_<name>" (e.g. "Statestore_orders");
// - policy: "timeout" | "retry" | "circuitbreaker"; flow_direction: "outbound" | "inbound";
// - status: circuit breaker state ("closed" | "half-open" | "open" | "unknown") or "".

import { Counter, Gauge } from "../metrics/prom.js";
import { metricsRegistry } from "../metrics/registry.js";
import type { BreakerState } from "./circuit-breaker.js";

const policyLabels = ["app_id", "name", "policy", "namespace", "flow_direction", "target", "status"] as const;

export const resiliencyLoaded = new Counter({
  name: "dapr_resiliency_loaded",
  help: "Number of resiliency policies loaded.",
  labelNames: ["app_id", "name", "namespace"] as const,
  registers: [metricsRegistry],
});

export const resiliencyCount = new Counter({
  name: "dapr_resiliency_count",
  help: "Number of times a resiliency policyKey has been applied to a building block.",
  labelNames: policyLabels,
  registers: [metricsRegistry],
});

export const resiliencyActivations = new Counter({
  name: "dapr_resiliency_activations_total",
  help: "Number of times a resiliency policyKey has been activated in a building block after a failure or after a state change.",
  labelNames: policyLabels,
  registers: [metricsRegistry],
});

export const resiliencyCbState = new Gauge({
  name: "dapr_resiliency_cb_state",
  help: "A resiliency policy's current CircuitBreakerState state. 0 is closed, 1 is half-open, 2 is open, and -1 is unknown.",
  labelNames: policyLabels,
  registers: [metricsRegistry],
});

export type PolicyKind = "timeout" | "retry" | "circuitbreaker";
export type FlowDirection = "outbound" | "inbound";

const cbStatuses = ["closed", "half-open", "open", "unknown"] as const;

export interface MetricScope {
  appId: string;
  /** metadata.name of the Resiliency resource. */
  name: string;
  namespace: string;
  direction: FlowDirection;
  target: string;
}

function labels(s: MetricScope, policy: PolicyKind, status: string) {
  return {
    app_id: s.appId,
    name: s.name,
    policy,
    namespace: s.namespace,
    flow_direction: s.direction,
    target: s.target,
    status,
  };
}

export function recordLoaded(appId: string, name: string, namespace: string): void {
  resiliencyLoaded.inc({ app_id: appId, name, namespace });
}

/** A policy was applied to a call; for breakers also publishes the state gauge (1 for the current state, 0 for the others). */
export function recordExecuted(s: MetricScope, policy: PolicyKind, status: BreakerState | "" = ""): void {
  resiliencyCount.inc(labels(s, policy, status));
  if (policy === "circuitbreaker") {
    for (const st of cbStatuses) resiliencyCbState.set(labels(s, policy, st), st === status ? 1 : 0);
  }
}

/** A policy kicked in: a timeout fired, a retry started, or a breaker changed state. */
export function recordActivated(s: MetricScope, policy: PolicyKind, status: BreakerState | "" = ""): void {
  resiliencyActivations.inc(labels(s, policy, status));
}

export const metricTarget = {
  app: (appId: string) => `app_${appId}`,
  actor: (actorType: string) => `actor_${actorType}`,
  component: (name: string, componentType: string) => `${componentType}_${name}`,
};
