import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parseInjectorConfig } from "../../injector/config.js";
import { findCrdsDir, validateResource } from "../../sidecar/resources/crd-schema.js";
import { CHART_DIR, loadChartYaml, mergeValues, renderChart, type KubeObject, type RenderedChart } from "./render.js";

interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  verbs: string[];
}

const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const CLUSTER_SCOPED = new Set(["ClusterRole", "ClusterRoleBinding", "MutatingWebhookConfiguration", "CustomResourceDefinition"]);

function find(objs: KubeObject[], kind: string, name: string, namespace?: string): any {
  const hit = objs.find((o) => o.kind === kind && o.metadata.name === name && (namespace === undefined || o.metadata.namespace === namespace));
  if (!hit) throw new Error(`no ${kind} ${namespace ?? ""}/${name} among ${objs.map((o) => `${o.kind}/${o.metadata.name}`).join(", ")}`);
  return hit;
}

/** Does this rule set allow `verb` on group/resource (optionally a named object)? Mirrors RBAC matching. */
function allows(rules: PolicyRule[], verb: string, group: string, resource: string, name?: string): boolean {
  return rules.some(
    (r) =>
      (r.verbs.includes(verb) || r.verbs.includes("*")) &&
      (r.apiGroups ?? []).some((g) => g === group || g === "*") &&
      (r.resources ?? []).some((x) => x === resource || x === "*") &&
      (!r.resourceNames || r.resourceNames.length === 0 || (name !== undefined && r.resourceNames.includes(name))),
  );
}

function container(deployment: any): any {
  return deployment.spec.template.spec.containers[0];
}

describe("chart crds/", () => {
  it("are byte-identical copies of the repository crds/", () => {
    const repoDir = findCrdsDir();
    const chartDir = path.join(CHART_DIR, "crds");
    const repoFiles = readdirSync(repoDir).filter((f) => f.endsWith(".yaml")).sort();
    expect(readdirSync(chartDir).sort()).toEqual(repoFiles);
    for (const file of repoFiles) {
      expect(readFileSync(path.join(chartDir, file)).equals(readFileSync(path.join(repoDir, file))), file).toBe(true);
    }
  });
});

describe("rendered with default values", () => {
  let chart: RenderedChart;
  let objs: KubeObject[];
  beforeAll(async () => {
    chart = await renderChart();
    objs = chart.objects;
  });

  it("has the objects of the control plane", () => {
    const summary = objs.map((o) => `${o.kind} ${o.metadata.namespace ?? "-"}/${o.metadata.name}`).sort();
    expect(summary).toEqual([
      "ClusterRole -/dapr-ts-operator",
      "ClusterRole -/dapr-ts-sidecar",
      "ClusterRole -/dapr-ts-sidecar-injector",
      "ClusterRoleBinding -/dapr-ts-operator",
      "ClusterRoleBinding -/dapr-ts-sidecar-injector",
      "Deployment dapr-system/dapr-ts-operator",
      "Deployment dapr-system/dapr-ts-sidecar-injector",
      "MutatingWebhookConfiguration -/dapr-ts-sidecar-injector",
      "PodDisruptionBudget dapr-system/dapr-ts-operator",
      "PodDisruptionBudget dapr-system/dapr-ts-sidecar-injector",
      "Role dapr-system/dapr-ts-operator",
      "Role dapr-system/dapr-ts-sidecar-injector",
      "RoleBinding dapr-system/dapr-ts-operator",
      "RoleBinding dapr-system/dapr-ts-sidecar-injector",
      "RoleBinding default/dapr-ts-sidecar",
      "Service dapr-system/dapr-ts-sidecar-injector",
      "ServiceAccount dapr-system/dapr-ts-operator",
      "ServiceAccount dapr-system/dapr-ts-sidecar-injector",
    ]);
    expect(chart.crds.map((c) => c.metadata.name).sort()).toEqual([
      "components.dapr.io",
      "configurations.dapr.io",
      "resiliencies.dapr.io",
      "subscriptions.dapr.io",
    ]);
  });

  it("gives every object a valid name, the right scope and the chart's labels", () => {
    for (const o of objs) {
      expect(o.metadata.name, o.kind).toMatch(DNS_1123_SUBDOMAIN);
      if (CLUSTER_SCOPED.has(o.kind)) expect(o.metadata.namespace, o.metadata.name).toBeUndefined();
      else expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toMatch(DNS_1123_LABEL);
      expect(o.metadata.labels).toMatchObject({
        "app.kubernetes.io/instance": "dapr-ts",
        "app.kubernetes.io/part-of": "dapr-ts",
        "app.kubernetes.io/managed-by": "Helm",
        "helm.sh/chart": "dapr-ts-0.1.0",
      });
    }
  });

  it("runs one image for the operator, the injector and the sidecar, tagged with appVersion", () => {
    const image = `ghcr.io/dapr-ts/dapr-ts:${loadChartYaml().appVersion}`;
    const operator = container(find(objs, "Deployment", "dapr-ts-operator"));
    const injector = container(find(objs, "Deployment", "dapr-ts-sidecar-injector"));
    expect(operator.image).toBe(image);
    expect(injector.image).toBe(image);
    expect(operator.command).toEqual(["dapr-ts", "operator"]);
    expect(injector.command).toEqual(["dapr-ts", "injector"]);
    expect(injector.args.join(" ")).toContain(`--sidecar-image ${image}`);
  });

  it("wires each Deployment to its ServiceAccount, selector, probes and Prometheus annotations", () => {
    for (const name of ["dapr-ts-operator", "dapr-ts-sidecar-injector"]) {
      const deployment = find(objs, "Deployment", name);
      const pod = deployment.spec.template;
      expect(deployment.spec.replicas).toBe(1);
      expect(pod.spec.serviceAccountName).toBe(name);
      find(objs, "ServiceAccount", name, "dapr-system");
      expect(pod.metadata.labels).toMatchObject(deployment.spec.selector.matchLabels);
      expect(pod.metadata.annotations).toEqual({ "prometheus.io/scrape": "true", "prometheus.io/port": "9090", "prometheus.io/path": "/metrics" });
      const c = container(deployment);
      const portNames = c.ports.map((p: { name: string }) => p.name);
      expect(portNames).toContain(c.livenessProbe.httpGet.port);
      expect(portNames).toContain(c.readinessProbe.httpGet.port);
      expect(c.ports.find((p: { name: string }) => p.name === "metrics").containerPort).toBe(9090);
      expect(c.env).toContainEqual({ name: "NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } });
      expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true });
      const pdb = find(objs, "PodDisruptionBudget", name);
      expect(pdb.spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
      expect(pdb.spec.maxUnavailable).toBe(1);
    }
  });

  it("registers the webhook as Dapr does: pods CREATE v1, Ignore, IfNeeded, no side effects, v1 reviews", () => {
    const mwc = find(objs, "MutatingWebhookConfiguration", "dapr-ts-sidecar-injector");
    expect(mwc.webhooks).toHaveLength(1);
    const [hook] = mwc.webhooks;
    expect(hook).toMatchObject({
      name: "sidecar-injector.dapr.io",
      failurePolicy: "Ignore",
      sideEffects: "None",
      admissionReviewVersions: ["v1"],
      reinvocationPolicy: "IfNeeded",
      namespaceSelector: {},
      objectSelector: {},
    });
    expect(hook.rules).toEqual([{ apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE"], resources: ["pods"], scope: "Namespaced" }]);
    expect(hook.clientConfig.caBundle).toBeUndefined();
    expect(hook.clientConfig.service).toEqual({ name: "dapr-ts-sidecar-injector", namespace: "dapr-system", path: "/mutate", port: 443 });
  });

  it("exposes the injector on 443 -> 4000 through a Service that selects its pods", () => {
    const service = find(objs, "Service", hook().clientConfig.service.name, "dapr-system");
    const deployment = find(objs, "Deployment", "dapr-ts-sidecar-injector");
    expect(service.spec.ports).toEqual([{ name: "https", port: 443, targetPort: "https", protocol: "TCP" }]);
    const target = container(deployment).ports.find((p: { name: string }) => p.name === "https");
    expect(target.containerPort).toBe(4000);
    expect(deployment.spec.template.metadata.labels).toMatchObject(service.spec.selector);
    function hook() {
      return find(objs, "MutatingWebhookConfiguration", "dapr-ts-sidecar-injector").webhooks[0];
    }
  });

  it("passes the injector flags its own parser accepts, naming the objects the chart creates", () => {
    const injector = container(find(objs, "Deployment", "dapr-ts-sidecar-injector"));
    const config = parseInjectorConfig(injector.args, { NAMESPACE: "dapr-system" });
    const service = find(objs, "Service", "dapr-ts-sidecar-injector");
    const mwc = find(objs, "MutatingWebhookConfiguration", "dapr-ts-sidecar-injector");
    const secretRule = find(objs, "Role", "dapr-ts-sidecar-injector").rules.find((r: PolicyRule) => r.resourceNames);
    expect(config.port).toBe(injector.ports.find((p: { name: string }) => p.name === "https").containerPort);
    expect(config.healthzPort).toBe(8080);
    expect(config.metricsPort).toBe(9090);
    expect(config.serviceName).toBe(service.metadata.name);
    expect(config.webhookConfigName).toBe(mwc.metadata.name);
    expect(secretRule.resourceNames).toEqual([config.caSecretName]);
    expect(config.patch.sidecarImage).toBe(injector.image);
    expect(config.patch.nativeSidecar).toBe(false);
    expect(config.logLevel).toBe("info");
  });

  describe("RBAC is least privilege", () => {
    const allRules = () => objs.filter((o) => o.kind === "Role" || o.kind === "ClusterRole").flatMap((o) => (o as any).rules as PolicyRule[]);

    it("uses no wildcards", () => {
      for (const rule of allRules()) {
        for (const list of [rule.verbs, rule.apiGroups ?? [], rule.resources ?? []]) expect(list).not.toContain("*");
      }
    });

    it("binds only roles and service accounts that the chart renders", () => {
      for (const binding of objs.filter((o) => o.kind.endsWith("Binding")) as any[]) {
        find(objs, binding.roleRef.kind, binding.roleRef.name);
        for (const subject of binding.subjects) {
          if (subject.kind === "ServiceAccount") find(objs, "ServiceAccount", subject.name, subject.namespace);
          else expect(subject).toEqual({ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: `system:serviceaccounts:${binding.metadata.namespace}` });
        }
      }
    });

    it("lets sidecars read dapr.io resources and Secrets, and keep placement Leases, in their own namespace only", () => {
      const rules = find(objs, "ClusterRole", "dapr-ts-sidecar").rules as PolicyRule[];
      for (const resource of ["components", "configurations", "resiliencies", "subscriptions"]) {
        for (const verb of ["get", "list", "watch"]) expect(allows(rules, verb, "dapr.io", resource)).toBe(true);
        for (const verb of ["create", "update", "patch", "delete"]) expect(allows(rules, verb, "dapr.io", resource)).toBe(false);
        expect(allows(rules, "update", "dapr.io", `${resource}/status`)).toBe(false);
      }
      expect(allows(rules, "get", "", "secrets")).toBe(true);
      for (const verb of ["create", "update", "delete", "watch"]) expect(allows(rules, verb, "", "secrets")).toBe(false);
      // Actor placement (Kubernetes backend): member and claim Leases.
      for (const verb of ["get", "list", "watch", "create", "update", "delete"]) expect(allows(rules, verb, "coordination.k8s.io", "leases")).toBe(true);
      expect(allows(rules, "deletecollection", "coordination.k8s.io", "leases")).toBe(false);
      for (const [group, resource] of [["", "configmaps"], ["", "pods"], ["", "services"], ["apps", "deployments"]]) {
        expect(allows(rules, "get", group!, resource!)).toBe(false);
      }
      // Namespace-bound only: a ClusterRoleBinding would open every namespace's Secrets.
      const bindings = objs.filter((o) => (o as any).roleRef?.name === "dapr-ts-sidecar");
      expect(bindings.map((b) => `${b.kind} ${b.metadata.namespace}`)).toEqual(["RoleBinding default"]);
    });

    it("lets the operator write dapr.io status but not create or delete the resources", () => {
      const rules = find(objs, "ClusterRole", "dapr-ts-operator").rules as PolicyRule[];
      for (const resource of ["components", "configurations", "resiliencies", "subscriptions"]) {
        expect(allows(rules, "watch", "dapr.io", resource)).toBe(true);
        expect(allows(rules, "update", "dapr.io", `${resource}/status`)).toBe(true);
        expect(allows(rules, "create", "dapr.io", resource)).toBe(false);
        expect(allows(rules, "delete", "dapr.io", resource)).toBe(false);
      }
      expect(allows(rules, "watch", "apps", "deployments")).toBe(true);
      expect(allows(rules, "watch", "apps", "statefulsets")).toBe(true);
      expect(allows(rules, "update", "apps", "deployments")).toBe(false);
      for (const verb of ["create", "update", "delete"]) expect(allows(rules, verb, "", "services")).toBe(true);
      expect(allows(rules, "get", "", "secrets")).toBe(true);
      expect(allows(rules, "list", "", "secrets")).toBe(false);
      expect(allows(rules, "create", "", "events")).toBe(true);
      // Leases only in its own namespace, through a Role.
      expect(allows(rules, "update", "coordination.k8s.io", "leases")).toBe(false);
      const role = find(objs, "Role", "dapr-ts-operator", "dapr-system");
      expect(allows(role.rules, "update", "coordination.k8s.io", "leases")).toBe(true);
      expect(role.rules).toHaveLength(1);
    });

    it("lets the injector touch only its CA Secret and its own webhook configuration", () => {
      const role = find(objs, "Role", "dapr-ts-sidecar-injector", "dapr-system").rules as PolicyRule[];
      expect(allows(role, "create", "", "secrets")).toBe(true);
      expect(allows(role, "get", "", "secrets", "dapr-ts-sidecar-injector-ca")).toBe(true);
      expect(allows(role, "update", "", "secrets", "dapr-ts-sidecar-injector-ca")).toBe(true);
      expect(allows(role, "get", "", "secrets", "someone-elses-secret")).toBe(false);
      expect(allows(role, "list", "", "secrets")).toBe(false);
      const cluster = find(objs, "ClusterRole", "dapr-ts-sidecar-injector").rules as PolicyRule[];
      expect(allows(cluster, "patch", "admissionregistration.k8s.io", "mutatingwebhookconfigurations", "dapr-ts-sidecar-injector")).toBe(true);
      expect(allows(cluster, "patch", "admissionregistration.k8s.io", "mutatingwebhookconfigurations", "other-webhook")).toBe(false);
      expect(allows(cluster, "get", "", "secrets")).toBe(false);
    });
  });

  it("ships CRDs that accept the objects they describe (Dapr docs examples)", () => {
    expect(validateResource({
      apiVersion: "dapr.io/v1alpha1",
      kind: "Component",
      metadata: { name: "statestore" },
      spec: { type: "state.redis", version: "v1", metadata: [{ name: "redisHost", value: "localhost:6379" }] },
    }).ok).toBe(true);
    for (const crd of chart.crds as any[]) {
      for (const version of crd.spec.versions) expect(version.subresources.status).toEqual({});
    }
  });
});

describe("values overrides take effect", () => {
  it("applies replicas, log level, image, selectors, failure policy, native sidecars and sidecar defaults", async () => {
    const { objects } = await renderChart({
      namespace: "control-plane",
      releaseName: "prod",
      values: {
        image: { repository: "registry.local/dapr-ts", tag: "1.2.3", pullPolicy: "Always" },
        global: { logLevel: "debug", logAsJson: true },
        operator: { replicas: 2 },
        injector: {
          replicas: 3,
          webhook: {
            failurePolicy: "Fail",
            timeoutSeconds: 5,
            namespaceSelector: { matchLabels: { "dapr.io/inject": "enabled" } },
            objectSelector: { matchExpressions: [{ key: "dapr.io/enabled", operator: "In", values: ["true"] }] },
          },
          restrictToControllers: true,
          allowedServiceAccounts: "ci:deployer",
        },
        sidecar: {
          image: "registry.local/daprd:9",
          nativeSidecar: true,
          resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "", memory: "512Mi" } },
          rbac: { namespaces: ["shop", "billing"] },
        },
      },
    });
    const operator = find(objects, "Deployment", "dapr-ts-operator", "control-plane");
    const injector = find(objects, "Deployment", "dapr-ts-sidecar-injector", "control-plane");
    expect(operator.spec.replicas).toBe(2);
    expect(injector.spec.replicas).toBe(3);
    expect(container(operator).image).toBe("registry.local/dapr-ts:1.2.3");
    expect(container(operator).imagePullPolicy).toBe("Always");
    expect(container(operator).args).toEqual(expect.arrayContaining(["--log-level", "debug", "--log-as-json"]));
    expect(operator.metadata.labels["app.kubernetes.io/instance"]).toBe("prod");

    const config = parseInjectorConfig(container(injector).args, { NAMESPACE: "control-plane" });
    expect(config.logLevel).toBe("debug");
    expect(config.logAsJson).toBe(true);
    expect(config.patch.sidecarImage).toBe("registry.local/daprd:9");
    expect(config.patch.imagePullPolicy).toBe("Always");
    expect(config.patch.nativeSidecar).toBe(true);
    expect(config.patch.defaults).toMatchObject({ sidecarCpuRequest: "100m", sidecarMemoryRequest: "128Mi", sidecarMemoryLimit: "512Mi" });
    expect(config.patch.defaults.sidecarCpuLimit).toBeUndefined();
    expect(config.auth).toMatchObject({ restrictToControllers: true, allowedServiceAccounts: ["ci:deployer"] });

    const hook = find(objects, "MutatingWebhookConfiguration", "dapr-ts-sidecar-injector").webhooks[0];
    expect(hook.failurePolicy).toBe("Fail");
    expect(hook.timeoutSeconds).toBe(5);
    expect(hook.namespaceSelector).toEqual({ matchLabels: { "dapr.io/inject": "enabled" } });
    expect(hook.objectSelector).toEqual({ matchExpressions: [{ key: "dapr.io/enabled", operator: "In", values: ["true"] }] });
    expect(hook.clientConfig.service.namespace).toBe("control-plane");

    const sidecarBindings = objects.filter((o) => o.kind === "RoleBinding" && o.metadata.name === "dapr-ts-sidecar") as any[];
    expect(sidecarBindings.map((b) => [b.metadata.namespace, b.subjects[0].name])).toEqual([
      ["shop", "system:serviceaccounts:shop"],
      ["billing", "system:serviceaccounts:billing"],
    ]);
    for (const o of objects) {
      if (!CLUSTER_SCOPED.has(o.kind) && !(o.kind === "RoleBinding" && o.metadata.name === "dapr-ts-sidecar")) {
        expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe("control-plane");
      }
    }
    for (const binding of objects.filter((o) => o.kind.endsWith("Binding")) as any[]) {
      for (const s of binding.subjects) if (s.kind === "ServiceAccount") expect(s.namespace).toBe("control-plane");
    }
  });

  it("drops Prometheus annotations, PDBs and sidecar bindings when turned off", async () => {
    const { objects } = await renderChart({
      values: { metrics: { enabled: false }, operator: { pdb: { enabled: false } }, injector: { pdb: { enabled: false } }, sidecar: { rbac: { namespaces: [] } } },
    });
    expect(objects.filter((o) => o.kind === "PodDisruptionBudget")).toEqual([]);
    expect(objects.filter((o) => o.kind === "RoleBinding" && o.metadata.name === "dapr-ts-sidecar")).toEqual([]);
    for (const d of objects.filter((o) => o.kind === "Deployment") as any[]) expect(d.spec.template.metadata.annotations).toBeUndefined();
  });

  it("merges values like Helm: maps deep-merged, lists replaced, null deletes", () => {
    const base = { a: { b: 1, c: [1, 2] }, d: "x" };
    expect(mergeValues(base, { a: { c: [3] }, d: null })).toEqual({ a: { b: 1, c: [3] } });
    expect(base).toEqual({ a: { b: 1, c: [1, 2] }, d: "x" });
  });
});

describe("bad values give clear errors, as helm install would", () => {
  it.each([
    [{ injector: { webhook: { failurePolicy: "Sometimes" } } }, 'injector.webhook.failurePolicy: must be one of "Ignore", "Fail"'],
    [{ operator: { replicas: "two" } }, "operator.replicas: must be integer"],
    [{ global: { logLevel: "loud" } }, "global.logLevel: must be one of"],
    [{ sidecar: { rbac: { namespaces: ["Not_A_Namespace"] } } }, "sidecar.rbac.namespaces.0: must match pattern"],
    [{ sidecar: { resources: { limits: { memory: "lots" } } } }, "sidecar.resources.limits.memory: must match pattern"],
    [{ injector: { webhook: { objectSelector: { matchExpressions: [{ key: "a", operator: "Maybe" }] } } } }, "injector.webhook.objectSelector.matchExpressions.0.operator: must be one of"],
    [{ operator: { replica: 2 } }, "operator.replica: unknown value"],
    [{ image: null }, "image: is required"],
  ])("%j", async (values, message) => {
    await expect(renderChart({ values: values as Record<string, unknown> })).rejects.toThrow(message);
  });
});
