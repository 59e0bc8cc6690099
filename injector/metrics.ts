// Injector metrics under Dapr's names (pkg/injector/service/metrics.go:
// OpenTelemetry "injector.sidecar_injection.*" exported as dapr_injector_*),
// so Dapr dashboards and alerts keep working.
import { Counter } from "prom-client";
import { metricsRegistry } from "../sidecar/metrics/registry.js";
import type { MutateOutcome } from "./admission/handle-mutate.js";

function counter<L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> {
  const existing = metricsRegistry.getSingleMetric(name);
  if (existing) return existing as Counter<L>;
  return new Counter({ name, help, labelNames, registers: [metricsRegistry] });
}

export const injectionRequests = counter("dapr_injector_sidecar_injection_requests_total", "The total number of sidecar injection requests.", []);
export const injectionSucceeded = counter("dapr_injector_sidecar_injection_succeeded_total", "The total number of successful sidecar injections.", ["app_id"]);
export const injectionFailed = counter("dapr_injector_sidecar_injection_failed_total", "The total number of failed sidecar injections.", ["app_id", "reason"]);

export function recordMutateOutcome(outcome: MutateOutcome): void {
  if (outcome.kind === "injected") injectionSucceeded.inc({ app_id: outcome.appId });
  else if (outcome.kind === "failed") injectionFailed.inc({ app_id: outcome.appId, reason: outcome.reason });
}
