import { describe, expect, it } from "vitest";
import { validateBuiltInExtra, validateLabelsAndAnnotations } from "./builtin-validation-extra.js";
import type { KubeObject } from "./object-store.js";

const fields = (causes: { field?: string }[]) => causes.map((c) => c.field);

describe("labels and annotations", () => {
  it("accepts prefixed keys and empty values, refuses bad keys and values", () => {
    expect(validateLabelsAndAnnotations({ metadata: { labels: { "app.kubernetes.io/name": "x", "dapr.io/app-id": "", a: "b_c.d-e" }, annotations: { "dapr.io/enabled": "true" } } })).toEqual([]);
    const bad = validateLabelsAndAnnotations({ metadata: { labels: { "-bad": "x", ok: "no spaces allowed", long: "x".repeat(64) }, annotations: { "Bad_Prefix/x": "1" } } });
    expect(fields(bad)).toEqual(["metadata.labels", "metadata.labels", "metadata.labels", "metadata.annotations"]);
  });
});

const hook = (over: Record<string, unknown> = {}) => ({
  name: "sidecar-injector.dapr.io",
  clientConfig: { service: { namespace: "dapr-system", name: "injector", path: "/mutate" } },
  rules: [{ operations: ["CREATE"], apiGroups: [""], apiVersions: ["v1"], resources: ["pods"] }],
  sideEffects: "None",
  admissionReviewVersions: ["v1"],
  ...over,
});
const mwc = (webhooks: unknown[]): KubeObject => ({ apiVersion: "admissionregistration.k8s.io/v1", kind: "MutatingWebhookConfiguration", metadata: { name: "m" }, webhooks });

describe("webhook configurations", () => {
  it("accepts a well-formed webhook", () => {
    expect(validateBuiltInExtra(mwc([hook({ failurePolicy: "Ignore", timeoutSeconds: 10, reinvocationPolicy: "IfNeeded" })]))).toEqual([]);
  });
  it("names each mistake at its field", () => {
    const causes = validateBuiltInExtra(mwc([
      hook({ name: "injector", sideEffects: undefined, admissionReviewVersions: [], timeoutSeconds: 60 }),
      hook({ clientConfig: { url: "http://x", service: { name: "s", namespace: "n" } }, failurePolicy: "Maybe", rules: [{ operations: ["PATCH"], resources: [] }] }),
    ]));
    expect(fields(causes)).toEqual([
      "webhooks[0].name", "webhooks[0].sideEffects", "webhooks[0].admissionReviewVersions", "webhooks[0].timeoutSeconds",
      "webhooks[1].clientConfig", "webhooks[1].clientConfig.url", "webhooks[1].failurePolicy", "webhooks[1].rules[0].operations", "webhooks[1].rules[0].resources",
    ]);
  });
});

describe("RBAC", () => {
  it("requires verbs and api groups in rules", () => {
    const role: KubeObject = { kind: "Role", metadata: { name: "r" }, rules: [{ apiGroups: ["dapr.io"], resources: ["components"], verbs: ["get", "list", "watch"] }, { resources: ["secrets"], verbs: [] }] };
    expect(fields(validateBuiltInExtra(role))).toEqual(["rules[1].verbs", "rules[1].apiGroups"]);
  });
  it("checks roleRef and subjects of bindings", () => {
    const ok: KubeObject = { kind: "ClusterRoleBinding", metadata: { name: "b" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "x" }, subjects: [{ kind: "ServiceAccount", name: "sa", namespace: "dapr-system" }] };
    expect(validateBuiltInExtra(ok)).toEqual([]);
    const bad: KubeObject = { kind: "ClusterRoleBinding", metadata: { name: "b" }, roleRef: { kind: "Role", name: "" }, subjects: [{ kind: "ServiceAccount", name: "sa" }, { kind: "Robot", name: "r" }] };
    expect(fields(validateBuiltInExtra(bad))).toEqual(["roleRef.kind", "roleRef.name", "roleRef.apiGroup", "subjects[0].namespace", "subjects[1].kind"]);
  });
});

describe("workloads, services and budgets", () => {
  it("checks container names, port numbers and port names in pod templates", () => {
    const dep: KubeObject = {
      kind: "Deployment", metadata: { name: "d" },
      spec: { template: { metadata: { labels: { app: "bad value" } }, spec: { containers: [{ name: "Daprd", ports: [{ containerPort: 70000 }, { containerPort: 1, name: "dapr-http-too-long-name" }, { containerPort: 2, name: "http" }, { containerPort: 3, name: "http" }] }] } } },
    };
    expect(fields(validateBuiltInExtra(dep))).toEqual([
      "spec.template.metadata.labels", "spec.template.spec.containers[0].name", "spec.template.spec.containers[0].ports[0].containerPort",
      "spec.template.spec.containers[0].ports[1].name", "spec.template.spec.containers[0].ports[3].name",
    ]);
  });
  it("requires names on multi-port services and refuses unknown types", () => {
    const svc: KubeObject = { kind: "Service", metadata: { name: "s" }, spec: { type: "Headless", ports: [{ port: 1, name: "a" }, { port: 2 }] } };
    expect(fields(validateBuiltInExtra(svc))).toEqual(["spec.ports[1].name", "spec.type"]);
  });
  it("refuses a PodDisruptionBudget with both minAvailable and maxUnavailable", () => {
    expect(validateBuiltInExtra({ kind: "PodDisruptionBudget", metadata: { name: "p" }, spec: { minAvailable: 1 } })).toEqual([]);
    expect(fields(validateBuiltInExtra({ kind: "PodDisruptionBudget", metadata: { name: "p" }, spec: { minAvailable: 1, maxUnavailable: 1 } }))).toEqual(["spec"]);
  });
});
