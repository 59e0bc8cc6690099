// What the Resiliency, Subscription and Configuration CRD schemas cannot
// check, judged by the same code the sidecar uses to load them, so the
// operator never calls Ready what daprd would refuse:
// - Resiliency: durations and circuit-breaker `trip` CEL (sidecar/resiliency);
// - Subscription: routing-rule CEL (the pub/sub block's compileRoutes);
// - Configuration: every field the sidecar parses (sidecar/config).
import { compileRoutes, type RoutingSpec } from "../../sidecar/building-blocks/pubsub/routing.js";
import { parseConfiguration } from "../../sidecar/config/configuration.js";
import { decodeResources } from "../../sidecar/resiliency/decode.js";
import type { ResiliencyInput } from "../../sidecar/resiliency/types.js";
import type { Verdict } from "../conditions.js";

/** Several problems in one message, so one `kubectl get -o yaml` shows them all. */
function joined(problems: string[]): string {
  return problems.length <= 3 ? problems.join("; ") : `${problems.slice(0, 3).join("; ")}; and ${problems.length - 3} more`;
}

export function validateResiliency(obj: unknown): Verdict {
  const { errors } = decodeResources([{ resource: obj as ResiliencyInput }]);
  if (errors.length > 0) return { ok: false, reason: "InvalidPolicy", message: joined(errors) };
  return { ok: true, message: "resiliency policies are valid" };
}

export function validateSubscription(obj: { metadata?: { name?: string }; spec?: RoutingSpec & { pubsubname?: string; topic?: string } }): Verdict {
  const spec = obj.spec ?? {};
  try {
    const routes = compileRoutes({ route: spec.route, routes: spec.routes }, `subscription ${obj.metadata?.name ?? ""}`);
    if (routes.rules.length === 0) return { ok: false, reason: "NoRoute", message: "the subscription has no route: set spec.routes (rules or default) or spec.route" };
  } catch (err) {
    return { ok: false, reason: "InvalidRoute", message: (err as Error).message };
  }
  return { ok: true, message: `routes for ${spec.pubsubname ?? ""}/${spec.topic ?? ""} are valid` };
}

export function validateConfiguration(obj: unknown): Verdict {
  const { errors } = parseConfiguration(obj);
  if (errors.length > 0) return { ok: false, reason: "InvalidConfiguration", message: joined(errors) };
  return { ok: true, message: "configuration is valid" };
}
