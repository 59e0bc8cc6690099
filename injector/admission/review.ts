// AdmissionReview wire format (admission.k8s.io/v1, and v1beta1 which has the
// same shape): decode and validate what the API server sends, build what it
// expects back. Pure functions, so malformed input is a unit test, not a crash.
import type { V1Pod } from "@kubernetes/client-node";
import type { JsonPatchOp } from "../patch/json-patch.js";

export const supportedApiVersions = ["admission.k8s.io/v1", "admission.k8s.io/v1beta1"] as const;
export type AdmissionApiVersion = (typeof supportedApiVersions)[number];

export interface GroupVersionKind { group: string; version: string; kind: string }

export interface UserInfo { username?: string; uid?: string; groups?: string[] }

export interface AdmissionRequest {
  uid: string;
  kind: GroupVersionKind;
  namespace?: string;
  operation?: string;
  userInfo: UserInfo;
  object: unknown;
}

export interface DecodedReview {
  apiVersion: AdmissionApiVersion;
  request: AdmissionRequest;
}

export type DecodeResult = { ok: true; review: DecodedReview } | { ok: false; message: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Validates the envelope only; the pod inside is checked by `podFromRequest`. */
export function decodeAdmissionReview(body: unknown): DecodeResult {
  const fail = (message: string): DecodeResult => ({ ok: false, message: `malformed AdmissionReview: ${message}` });
  if (!isObject(body)) return fail("body must be a JSON object");
  if (body.kind !== "AdmissionReview") return fail(`kind must be "AdmissionReview", got ${JSON.stringify(body.kind)}`);
  if (!supportedApiVersions.includes(body.apiVersion as AdmissionApiVersion)) {
    return fail(`apiVersion must be one of ${supportedApiVersions.join(", ")}, got ${JSON.stringify(body.apiVersion)}`);
  }
  const req = body.request;
  if (!isObject(req)) return fail("request is missing");
  if (typeof req.uid !== "string" || req.uid === "") return fail("request.uid must be a non-empty string");
  const kind = req.kind;
  if (!isObject(kind) || typeof kind.kind !== "string") return fail("request.kind must be a {group, version, kind} object");
  if (req.userInfo !== undefined && !isObject(req.userInfo)) return fail("request.userInfo must be an object");
  if (req.namespace !== undefined && typeof req.namespace !== "string") return fail("request.namespace must be a string");
  return {
    ok: true,
    review: {
      apiVersion: body.apiVersion as AdmissionApiVersion,
      request: {
        uid: req.uid,
        kind: { group: String(kind.group ?? ""), version: String(kind.version ?? ""), kind: kind.kind },
        namespace: req.namespace as string | undefined,
        operation: typeof req.operation === "string" ? req.operation : undefined,
        userInfo: (req.userInfo ?? {}) as UserInfo,
        object: req.object,
      },
    },
  };
}

export function isPodRequest(req: AdmissionRequest): boolean {
  return req.kind.kind === "Pod" && req.kind.group === "";
}

/** The pod of a Pod request, or why it cannot be read. */
export function podFromRequest(req: AdmissionRequest): { ok: true; pod: V1Pod } | { ok: false; message: string } {
  const o = req.object;
  if (!isObject(o)) return { ok: false, message: "malformed AdmissionReview: request.object must be a Pod object" };
  if (o.metadata !== undefined && !isObject(o.metadata)) return { ok: false, message: "malformed AdmissionReview: request.object.metadata must be an object" };
  if (o.spec !== undefined && !isObject(o.spec)) return { ok: false, message: "malformed AdmissionReview: request.object.spec must be an object" };
  const meta = o.metadata as Record<string, unknown> | undefined;
  if (meta?.annotations !== undefined && !isObject(meta.annotations)) {
    return { ok: false, message: "malformed AdmissionReview: request.object.metadata.annotations must be a string map" };
  }
  const spec = o.spec as Record<string, unknown> | undefined;
  for (const f of ["containers", "initContainers", "volumes"]) {
    if (spec?.[f] !== undefined && !Array.isArray(spec[f])) {
      return { ok: false, message: `malformed AdmissionReview: request.object.spec.${f} must be an array` };
    }
    const items = (spec?.[f] ?? []) as unknown[];
    if (items.some((c) => !isObject(c))) return { ok: false, message: `malformed AdmissionReview: request.object.spec.${f} must hold objects` };
  }
  return { ok: true, pod: o as V1Pod };
}

export interface AdmissionReviewOut {
  apiVersion: AdmissionApiVersion;
  kind: "AdmissionReview";
  response: {
    uid: string;
    allowed: true;
    patchType?: "JSONPatch";
    patch?: string;
    warnings?: string[];
  };
}

/**
 * Always allows: the injector mutates, it never blocks a pod. The patch goes
 * base64-encoded, the warnings as they are (kubectl prints each).
 */
export function buildAdmissionResponse(
  apiVersion: AdmissionApiVersion,
  uid: string,
  patch: JsonPatchOp[],
  warnings: string[],
): AdmissionReviewOut {
  const response: AdmissionReviewOut["response"] = { uid, allowed: true };
  if (patch.length > 0) {
    response.patchType = "JSONPatch";
    response.patch = Buffer.from(JSON.stringify(patch)).toString("base64");
  }
  if (warnings.length > 0) response.warnings = warnings;
  return { apiVersion, kind: "AdmissionReview", response };
}
