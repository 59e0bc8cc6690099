import { describe, it, expect } from "vitest";
import jsonPatch from "fast-json-patch";
import type { V1Pod } from "@kubernetes/client-node";
import { handleMutate, type MutateDeps } from "./handle-mutate.js";
import { decodeAdmissionReview, type AdmissionReviewOut } from "./review.js";
import { isAuthorizedRequester, type AuthorizationConfig } from "./authorize.js";
import { defaultPatchConfig } from "../patch/sidecar-patch-config.js";
import { loadReview } from "../patch/fixtures/load-fixture.js";

const permissive: AuthorizationConfig = { restrictToControllers: false, allowedServiceAccounts: [], allowedServiceAccountPrefixes: [] };
const strict: AuthorizationConfig = { ...permissive, restrictToControllers: true };
const deps: MutateDeps = { patchConfig: defaultPatchConfig(), auth: permissive };

function ok(r: ReturnType<typeof handleMutate>): AdmissionReviewOut {
  expect(r.status).toBe(200);
  return r.body as AdmissionReviewOut;
}

describe("handleMutate", () => {
  it("answers a pod review with the uid echoed and a base64 JSON patch", () => {
    const review = loadReview("deployment-pod-review.json");
    const r = handleMutate(review, deps);
    const out = ok(r);
    expect(out.apiVersion).toBe("admission.k8s.io/v1");
    expect(out.kind).toBe("AdmissionReview");
    expect(out.response.uid).toBe(review.request.uid);
    expect(out.response.allowed).toBe(true);
    expect(out.response.patchType).toBe("JSONPatch");
    expect(out.response.warnings).toBeUndefined();
    const patch = JSON.parse(Buffer.from(out.response.patch!, "base64").toString("utf8"));
    const pod = jsonPatch.applyPatch(structuredClone(review.request.object), patch, true).newDocument as V1Pod;
    expect(pod.spec!.containers.at(-1)!.name).toBe("daprd");
    expect(r.outcome).toEqual({ kind: "injected", appId: "checkout", warnings: [] });
  });

  it("echoes v1beta1 reviews in v1beta1", () => {
    const review = { ...loadReview("bare-pod-review.json"), apiVersion: "admission.k8s.io/v1beta1" };
    expect(ok(handleMutate(review, deps)).apiVersion).toBe("admission.k8s.io/v1beta1");
  });

  it("carries annotation warnings to kubectl", () => {
    const review = loadReview("deployment-pod-review.json");
    review.request.object.metadata!.annotations!["dapr.io/app-port"] = "abc";
    const out = ok(handleMutate(review, deps));
    expect(out.response.patch).toBeDefined();
    expect(out.response.warnings).toEqual([expect.stringContaining("dapr.io/app-port: invalid value \"abc\"")]);
  });

  it("allows without a patch: pods without the annotation, pods already injected, other kinds", () => {
    const plain = loadReview("deployment-pod-review.json");
    delete plain.request.object.metadata!.annotations!["dapr.io/enabled"];
    const r1 = handleMutate(plain, deps);
    expect(ok(r1).response).toEqual({ uid: plain.request.uid, allowed: true });
    expect(r1.outcome.kind).toBe("skipped");

    const injected = loadReview("deployment-pod-review.json");
    injected.request.object.spec!.containers.push({ name: "daprd", image: "x" });
    expect(ok(handleMutate(injected, deps)).response.patch).toBeUndefined();

    const svc = loadReview("deployment-pod-review.json");
    (svc.request as Record<string, unknown>).kind = { group: "", version: "v1", kind: "Service" };
    const r3 = handleMutate(svc, deps);
    expect(ok(r3).response).toEqual({ uid: svc.request.uid, allowed: true });
    expect(r3.outcome).toMatchObject({ kind: "failed", reason: "pod_patch" });
  });

  it("only injects for controllers when restricted, and says why it did not", () => {
    const fromController = loadReview("deployment-pod-review.json");
    expect(ok(handleMutate(fromController, { ...deps, auth: strict })).response.patch).toBeDefined();

    const fromAdmin = loadReview("bare-pod-review.json");
    expect(ok(handleMutate(fromAdmin, { ...deps, auth: strict })).response.patch).toBeDefined();

    const fromUser = loadReview("bare-pod-review.json");
    (fromUser.request as Record<string, unknown>).userInfo = { username: "jane", groups: ["system:authenticated"] };
    const r = handleMutate(fromUser, { ...deps, auth: strict });
    expect(ok(r).response.patch).toBeUndefined();
    expect(ok(r).response.warnings).toEqual([expect.stringContaining("'jane' is not an allowed controller")]);
    expect(r.outcome).toMatchObject({ kind: "failed", appId: "worker", reason: "pod_patch" });
    // Permissive (the default) injects for anyone.
    expect(ok(handleMutate(fromUser, deps)).response.patch).toBeDefined();
  });

  const malformed: [string, unknown, RegExp][] = [
    ["a JSON array", [], /body must be a JSON object/],
    ["null", null, /body must be a JSON object/],
    ["the wrong kind", { apiVersion: "admission.k8s.io/v1", kind: "Pod" }, /kind must be "AdmissionReview"/],
    ["an unknown apiVersion", { apiVersion: "admission.k8s.io/v2", kind: "AdmissionReview", request: {} }, /apiVersion must be one of/],
    ["no request", { apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview" }, /request is missing/],
    ["no uid", { apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", request: { kind: { kind: "Pod" } } }, /request.uid/],
    ["no kind", { apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", request: { uid: "u" } }, /request.kind/],
    ["a pod that is a string", { apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", request: { uid: "u", kind: { group: "", version: "v1", kind: "Pod" }, object: "pod" } }, /request.object must be a Pod object/],
    ["containers that are not an array", { apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", request: { uid: "u", kind: { group: "", version: "v1", kind: "Pod" }, object: { metadata: { annotations: { "dapr.io/enabled": "true" } }, spec: { containers: {} } } } }, /spec.containers must be an array/],
    ["annotations that are a list", { apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", request: { uid: "u", kind: { group: "", version: "v1", kind: "Pod" }, object: { metadata: { annotations: ["x"] } } } }, /annotations must be a string map/],
  ];

  it.each(malformed)("answers 400 for %s", (_name, body, message) => {
    const r = handleMutate(body, deps);
    expect(r.status).toBe(400);
    expect(r.body).toMatch(/^malformed AdmissionReview: /);
    expect(r.body).toMatch(message);
    expect(r.outcome).toMatchObject({ kind: "failed", reason: "decode" });
  });

  it("decodes only what the envelope promises", () => {
    const d = decodeAdmissionReview(loadReview("deployment-pod-review.json"));
    expect(d.ok && d.review.request.namespace).toBe("shop");
    expect(d.ok && d.review.request.userInfo.username).toBe("system:serviceaccount:kube-system:replicaset-controller");
  });
});

describe("isAuthorizedRequester", () => {
  const sa = (ns: string, name: string) => ({ username: `system:serviceaccount:${ns}:${name}` });
  it("lets every controller service account Dapr lists through", () => {
    for (const n of ["replicaset-controller", "deployment-controller", "statefulset-controller", "daemon-set-controller", "job-controller", "cronjob-controller"]) {
      expect(isAuthorizedRequester(sa("kube-system", n), strict), n).toBe(true);
    }
    expect(isAuthorizedRequester(sa("default", "replicaset-controller"), strict)).toBe(false);
    expect(isAuthorizedRequester({ username: "system:serviceaccount:broken" }, strict)).toBe(false);
    expect(isAuthorizedRequester({}, strict)).toBe(false);
  });

  it("honours extra accounts and prefix patterns", () => {
    const cfg = { ...strict, allowedServiceAccounts: ["argo:rollouts"], allowedServiceAccountPrefixes: ["team-*:deployer*"] };
    expect(isAuthorizedRequester(sa("argo", "rollouts"), cfg)).toBe(true);
    expect(isAuthorizedRequester(sa("team-a", "deployer-1"), cfg)).toBe(true);
    expect(isAuthorizedRequester(sa("team-a", "builder"), cfg)).toBe(false);
    expect(isAuthorizedRequester(sa("other", "deployer"), cfg)).toBe(false);
  });
});
