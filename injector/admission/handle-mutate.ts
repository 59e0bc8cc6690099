// One AdmissionReview in, one HTTP answer out, plus what happened (for
// metrics and logs). No I/O: the server only writes what this returns.
import { computeSidecarPatch, injectionRequested, fallbackAppId } from "../patch/compute-sidecar-patch.js";
import type { SidecarPatchConfig } from "../patch/sidecar-patch-config.js";
import { isAuthorizedRequester, type AuthorizationConfig } from "./authorize.js";
import {
  buildAdmissionResponse, decodeAdmissionReview, isPodRequest, podFromRequest, type AdmissionReviewOut,
} from "./review.js";

export interface MutateDeps {
  patchConfig: SidecarPatchConfig;
  auth: AuthorizationConfig;
}

export type MutateOutcome =
  | { kind: "injected"; appId: string; warnings: string[] }
  | { kind: "skipped"; why: string }
  | { kind: "failed"; appId: string; reason: string; message: string };

export type MutateResult =
  | { status: 200; body: AdmissionReviewOut; outcome: MutateOutcome }
  | { status: 400; body: string; outcome: MutateOutcome };

export function handleMutate(body: unknown, deps: MutateDeps): MutateResult {
  const decoded = decodeAdmissionReview(body);
  if (!decoded.ok) return { status: 400, body: decoded.message, outcome: { kind: "failed", appId: "", reason: "decode", message: decoded.message } };
  const { apiVersion, request } = decoded.review;
  const allow = (warnings: string[] = []) => buildAdmissionResponse(apiVersion, request.uid, [], warnings);

  if (!isPodRequest(request)) {
    const message = `not a Pod: ${request.kind.group || "core"}/${request.kind.kind}`;
    return { status: 200, body: allow(), outcome: { kind: "failed", appId: "", reason: "pod_patch", message } };
  }
  const podResult = podFromRequest(request);
  if (!podResult.ok) return { status: 400, body: podResult.message, outcome: { kind: "failed", appId: "", reason: "decode", message: podResult.message } };
  const pod = podResult.pod;

  const requested = injectionRequested(pod);
  if (!requested.enabled) {
    return { status: 200, body: allow(requested.warning ? [requested.warning] : []), outcome: { kind: "skipped", why: "not enabled" } };
  }
  const appIdForDiag = pod.metadata?.annotations?.["dapr.io/app-id"] ?? fallbackAppId(pod) ?? "";
  if (!isAuthorizedRequester(request.userInfo, deps.auth)) {
    const message = `user '${request.userInfo.username ?? ""}' is not an allowed controller service account; dapr sidecar not injected`;
    return { status: 200, body: allow([message]), outcome: { kind: "failed", appId: appIdForDiag, reason: "pod_patch", message } };
  }

  try {
    const { patch, warnings, appId } = computeSidecarPatch(pod, deps.patchConfig);
    const out = buildAdmissionResponse(apiVersion, request.uid, patch, warnings);
    if (patch.length === 0) return { status: 200, body: out, outcome: { kind: "skipped", why: warnings.length ? warnings.join("; ") : "already injected" } };
    return { status: 200, body: out, outcome: { kind: "injected", appId: appId ?? appIdForDiag, warnings } };
  } catch (err) {
    // A bug in the patch must not block pod creation: allow it, unpatched, and say so.
    const message = `dapr sidecar injection failed: ${err instanceof Error ? err.message : String(err)}`;
    return { status: 200, body: allow([message.slice(0, 250)]), outcome: { kind: "failed", appId: appIdForDiag, reason: "patch", message } };
  }
}
