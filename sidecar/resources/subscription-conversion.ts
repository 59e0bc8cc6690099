// Pure conversion between the two Subscription versions:
//   v1alpha1 spec.route  <->  v2alpha1 spec.routes.default
// the mapping Dapr's conversion webhook applies. Unlike Dapr's (which drops
// v2 routing rules on the way to v1), ours is lossless both ways: v1alpha1 may
// carry the rules in an optional `routes` (our CRD allows it), so
// v2 -> v1 -> v2 gives back the original. See crds/subscriptions.yaml for why
// the CRD uses conversion strategy None and readers normalise with this module.
//
// Also builds ConversionReview responses, so a Webhook strategy can be served
// from these same functions if it is ever wanted.

export const SUBSCRIPTION_V1 = "dapr.io/v1alpha1";
export const SUBSCRIPTION_V2 = "dapr.io/v2alpha1";
export type SubscriptionApiVersion = typeof SUBSCRIPTION_V1 | typeof SUBSCRIPTION_V2;

export interface RoutingRule {
  match: string;
  path: string;
}

interface CommonSpec {
  pubsubname: string;
  topic: string;
  deadLetterTopic?: string;
  bulkSubscribe?: { enabled: boolean; maxMessagesCount?: number; maxAwaitDurationMs?: number };
  metadata?: Record<string, string>;
}

interface SubscriptionBase {
  kind: "Subscription";
  metadata: Record<string, unknown>;
  scopes?: string[];
  status?: unknown;
}

export interface SubscriptionV1Alpha1 extends SubscriptionBase {
  apiVersion: typeof SUBSCRIPTION_V1;
  spec: CommonSpec & { route?: string; routes?: { rules?: RoutingRule[] } };
}

export interface SubscriptionV2Alpha1 extends SubscriptionBase {
  apiVersion: typeof SUBSCRIPTION_V2;
  spec: CommonSpec & { routes: { rules?: RoutingRule[]; default?: string } };
}

export type AnySubscription = SubscriptionV1Alpha1 | SubscriptionV2Alpha1;

/** v1alpha1 -> v2alpha1. `route` becomes `routes.default`; an explicit `routes.default` loses to `route`. */
export function toV2Alpha1(sub: AnySubscription): SubscriptionV2Alpha1 {
  const copy = checked(sub);
  if (copy.apiVersion === SUBSCRIPTION_V2) return dropV2LegacyRoute(copy);
  const { route, routes, ...rest } = copy.spec;
  const next: SubscriptionV2Alpha1["spec"]["routes"] = { ...(routes ?? {}) };
  const fallback = (routes as { default?: string } | undefined)?.default;
  if (route !== undefined) next.default = route;
  else if (fallback !== undefined) next.default = fallback;
  return { ...copy, apiVersion: SUBSCRIPTION_V2, spec: { ...rest, routes: next } };
}

/** v2alpha1 -> v1alpha1. `routes.default` becomes `route`; rules stay in `routes.rules` so nothing is lost. */
export function toV1Alpha1(sub: AnySubscription): SubscriptionV1Alpha1 {
  const copy = checked(sub);
  if (copy.apiVersion === SUBSCRIPTION_V1) return copy;
  const v2 = dropV2LegacyRoute(copy);
  const { routes, ...rest } = v2.spec;
  const spec: SubscriptionV1Alpha1["spec"] = { ...rest };
  if (routes.default !== undefined) spec.route = routes.default;
  if (routes.rules !== undefined && routes.rules.length > 0) spec.routes = { rules: routes.rules };
  return { ...v2, apiVersion: SUBSCRIPTION_V1, spec };
}

/** Converts to the given apiVersion (a copy; the input is never modified). */
export function convertSubscription(sub: AnySubscription, to: string): AnySubscription {
  if (to === SUBSCRIPTION_V2) return toV2Alpha1(sub);
  if (to === SUBSCRIPTION_V1) return toV1Alpha1(sub);
  throw new Error(`cannot convert Subscription to ${JSON.stringify(to)}: supported versions are ${SUBSCRIPTION_V1}, ${SUBSCRIPTION_V2}`);
}

/** A v2alpha1 `route` (accepted by our CRD for lossless storage) is the same thing as `routes.default`. */
function dropV2LegacyRoute(sub: SubscriptionV2Alpha1): SubscriptionV2Alpha1 {
  const { route, ...spec } = sub.spec as SubscriptionV2Alpha1["spec"] & { route?: string };
  const routes = { ...(spec.routes ?? {}) };
  if (routes.default === undefined && route !== undefined) routes.default = route;
  return { ...sub, spec: { ...spec, routes } };
}

/** Deep copy after checking the shape enough to convert it; throws a clear Error on anything else. */
function checked<T extends AnySubscription>(sub: T): T {
  if (sub === null || typeof sub !== "object" || Array.isArray(sub)) throw new Error("Subscription must be an object");
  if (sub.kind !== "Subscription") throw new Error(`expected kind Subscription, got ${JSON.stringify(sub.kind)}`);
  if (sub.apiVersion !== SUBSCRIPTION_V1 && sub.apiVersion !== SUBSCRIPTION_V2) {
    throw new Error(`unsupported Subscription apiVersion ${JSON.stringify((sub as { apiVersion?: unknown }).apiVersion)}: supported versions are ${SUBSCRIPTION_V1}, ${SUBSCRIPTION_V2}`);
  }
  if (sub.spec === null || typeof sub.spec !== "object" || Array.isArray(sub.spec)) throw new Error("Subscription spec must be an object");
  return structuredClone(sub);
}

/** The parts of an apiextensions.k8s.io/v1 ConversionReview this module reads and writes. */
export interface ConversionReview {
  apiVersion: "apiextensions.k8s.io/v1";
  kind: "ConversionReview";
  request?: { uid: string; desiredAPIVersion: string; objects: unknown[] };
  response?: {
    uid: string;
    convertedObjects: unknown[];
    result: { status: "Success" | "Failure"; message?: string };
  };
}

/** Answers a ConversionReview request: all objects converted, or a Failure naming the first problem. */
export function reviewConversion(review: ConversionReview): ConversionReview {
  const request = review?.request;
  const uid = typeof request?.uid === "string" ? request.uid : "";
  const reply = (response: NonNullable<ConversionReview["response"]>): ConversionReview => ({
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "ConversionReview",
    response,
  });
  if (!request || !Array.isArray(request.objects)) {
    return reply({ uid, convertedObjects: [], result: { status: "Failure", message: "ConversionReview has no request.objects" } });
  }
  try {
    const convertedObjects = request.objects.map((o) => convertSubscription(o as AnySubscription, request.desiredAPIVersion));
    return reply({ uid, convertedObjects, result: { status: "Success" } });
  } catch (err) {
    return reply({ uid, convertedObjects: [], result: { status: "Failure", message: (err as Error).message } });
  }
}
