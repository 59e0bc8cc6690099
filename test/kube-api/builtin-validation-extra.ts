// Validation of built-in kinds a Helm chart renders (labels, webhook
// configurations, RBAC, disruption budgets, services, container and port
// names): the checks that catch real manifest mistakes before a real cluster
// would, with the real server's field paths.
import type { KubeObject } from "./object-store.js";
import type { StatusCause } from "./status.js";

type Obj = Record<string, unknown>;
const asObj = (v: unknown): Obj => (v && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : {});
const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

const qualifiedName = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const portName = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

const required = (field: string, detail?: string): StatusCause => ({ reason: "FieldValueRequired", message: detail ? `Required value: ${detail}` : "Required value", field });
const invalid = (field: string, value: unknown, why: string): StatusCause => ({ reason: "FieldValueInvalid", message: `Invalid value: ${JSON.stringify(value)}: ${why}`, field });
const unsupported = (field: string, value: unknown, allowed: string[]): StatusCause => ({ reason: "FieldValueNotSupported", message: `Unsupported value: ${JSON.stringify(value)}: supported values: ${allowed.map((a) => `"${a}"`).join(", ")}`, field });

/** A label or annotation key: optional DNS-subdomain prefix and "/", then a name of at most 63 characters. */
function keyProblem(key: string): string | undefined {
  const slash = key.lastIndexOf("/");
  const prefix = slash >= 0 ? key.slice(0, slash) : "";
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (slash >= 0 && (!dnsSubdomain.test(prefix) || prefix.length > 253)) return "prefix part must be a lowercase RFC 1123 subdomain";
  if (!name || name.length > 63 || !qualifiedName.test(name)) {
    return "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character, at most 63 characters";
  }
  return undefined;
}

export function validateLabelsAndAnnotations(obj: KubeObject, path = "metadata"): StatusCause[] {
  const causes: StatusCause[] = [];
  for (const [k, v] of Object.entries(obj.metadata.labels ?? {})) {
    const problem = keyProblem(k);
    if (problem) causes.push(invalid(`${path}.labels`, k, problem));
    if (typeof v !== "string" || v.length > 63 || (v !== "" && !qualifiedName.test(v))) {
      causes.push(invalid(`${path}.labels`, v, "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character, at most 63 characters"));
    }
  }
  for (const [k, v] of Object.entries(obj.metadata.annotations ?? {})) {
    const problem = keyProblem(k);
    if (problem) causes.push(invalid(`${path}.annotations`, k, problem));
    if (typeof v !== "string") causes.push(invalid(`${path}.annotations`, v, "annotation values must be strings"));
  }
  return causes;
}

/** Container and port names inside a pod spec (`path` = "spec" or "spec.template.spec"). */
export function validateContainerNames(spec: Obj, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  for (const listName of ["containers", "initContainers"]) {
    asList(spec[listName]).forEach((c, i) => {
      const container = asObj(c);
      const at = `${path}.${listName}[${i}]`;
      if (typeof container.name === "string" && container.name && !dnsLabel.test(container.name)) {
        causes.push(invalid(`${at}.name`, container.name, "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"));
      }
      const seen = new Set<string>();
      asList(container.ports).forEach((p, j) => {
        const port = asObj(p);
        const n = port.containerPort;
        if (typeof n !== "number" || n < 1 || n > 65535) causes.push(invalid(`${at}.ports[${j}].containerPort`, n ?? 0, "must be between 1 and 65535, inclusive"));
        if (port.name !== undefined) {
          const name = String(port.name);
          if (name.length > 15 || !portName.test(name) || !/[a-z]/.test(name)) causes.push(invalid(`${at}.ports[${j}].name`, name, "must be no more than 15 characters, lower case alphanumeric or '-', with at least one letter"));
          else if (seen.has(name)) causes.push({ reason: "FieldValueDuplicate", message: `Duplicate value: "${name}"`, field: `${at}.ports[${j}].name` });
          seen.add(name);
        }
      });
    });
  }
  return causes;
}

function validateWebhookConfiguration(obj: KubeObject): StatusCause[] {
  const causes: StatusCause[] = [];
  const names = new Set<string>();
  asList(obj.webhooks).forEach((w, i) => {
    const hook = asObj(w);
    const at = `webhooks[${i}]`;
    const name = hook.name;
    if (typeof name !== "string" || !name) causes.push(required(`${at}.name`));
    else if (name.split(".").length < 3 || !dnsSubdomain.test(name)) causes.push(invalid(`${at}.name`, name, "should be a domain with at least three segments separated by dots"));
    else if (names.has(name)) causes.push({ reason: "FieldValueDuplicate", message: `Duplicate value: "${name}"`, field: `${at}.name` });
    if (typeof name === "string") names.add(name);
    const cc = asObj(hook.clientConfig);
    const hasUrl = typeof cc.url === "string";
    const hasService = cc.service !== undefined;
    if (hasUrl === hasService) causes.push(required(`${at}.clientConfig`, "exactly one of url or service is required"));
    if (hasUrl && !String(cc.url).startsWith("https://")) causes.push(invalid(`${at}.clientConfig.url`, cc.url, "'https' is the only allowed URL scheme"));
    if (hasService) {
      const svc = asObj(cc.service);
      if (!svc.name) causes.push(required(`${at}.clientConfig.service.name`));
      if (!svc.namespace) causes.push(required(`${at}.clientConfig.service.namespace`));
    }
    if (hook.sideEffects === undefined) causes.push(unsupported(`${at}.sideEffects`, "", ["None", "NoneOnDryRun"]));
    else if (hook.sideEffects !== "None" && hook.sideEffects !== "NoneOnDryRun") causes.push(unsupported(`${at}.sideEffects`, hook.sideEffects, ["None", "NoneOnDryRun"]));
    const versions = asList(hook.admissionReviewVersions);
    if (versions.length === 0) causes.push(required(`${at}.admissionReviewVersions`, "must specify one of v1, v1beta1"));
    else if (!versions.includes("v1") && !versions.includes("v1beta1")) causes.push(invalid(`${at}.admissionReviewVersions`, versions, "must include at least one of v1, v1beta1"));
    if (hook.failurePolicy !== undefined && hook.failurePolicy !== "Ignore" && hook.failurePolicy !== "Fail") causes.push(unsupported(`${at}.failurePolicy`, hook.failurePolicy, ["Fail", "Ignore"]));
    if (hook.timeoutSeconds !== undefined && (typeof hook.timeoutSeconds !== "number" || hook.timeoutSeconds < 1 || hook.timeoutSeconds > 30)) {
      causes.push(invalid(`${at}.timeoutSeconds`, hook.timeoutSeconds, "the timeout value must be between 1 and 30 seconds"));
    }
    if (hook.reinvocationPolicy !== undefined && hook.reinvocationPolicy !== "Never" && hook.reinvocationPolicy !== "IfNeeded") {
      causes.push(unsupported(`${at}.reinvocationPolicy`, hook.reinvocationPolicy, ["IfNeeded", "Never"]));
    }
    asList(hook.rules).forEach((r, j) => {
      for (const op of asList(asObj(r).operations)) {
        if (!["*", "CREATE", "UPDATE", "DELETE", "CONNECT"].includes(String(op))) causes.push(unsupported(`${at}.rules[${j}].operations`, op, ["*", "CONNECT", "CREATE", "DELETE", "UPDATE"]));
      }
      if (asList(asObj(r).resources).length === 0) causes.push(required(`${at}.rules[${j}].resources`));
    });
  });
  return causes;
}

function validateRoleRules(obj: KubeObject): StatusCause[] {
  if (obj.kind === "ClusterRole" && obj.aggregationRule !== undefined) return [];
  const causes: StatusCause[] = [];
  asList(obj.rules).forEach((r, i) => {
    const rule = asObj(r);
    if (asList(rule.verbs).length === 0) causes.push(required(`rules[${i}].verbs`, "verbs must contain at least one value"));
    const nonResource = asList(rule.nonResourceURLs).length > 0;
    if (!nonResource && asList(rule.apiGroups).length === 0) causes.push(required(`rules[${i}].apiGroups`, "resource rules must supply at least one api group"));
    if (nonResource && obj.kind === "Role") causes.push(invalid(`rules[${i}].nonResourceURLs`, rule.nonResourceURLs, "namespaced rules cannot apply to non-resource URLs"));
  });
  return causes;
}

function validateBinding(obj: KubeObject): StatusCause[] {
  const causes: StatusCause[] = [];
  const roleRef = asObj(obj.roleRef);
  const allowedKinds = obj.kind === "ClusterRoleBinding" ? ["ClusterRole"] : ["Role", "ClusterRole"];
  if (!allowedKinds.includes(String(roleRef.kind ?? ""))) causes.push(unsupported("roleRef.kind", roleRef.kind ?? "", allowedKinds));
  if (!roleRef.name) causes.push(required("roleRef.name"));
  if (roleRef.apiGroup !== "rbac.authorization.k8s.io") causes.push(unsupported("roleRef.apiGroup", roleRef.apiGroup ?? "", ["rbac.authorization.k8s.io"]));
  asList(obj.subjects).forEach((s, i) => {
    const subject = asObj(s);
    if (!["ServiceAccount", "User", "Group"].includes(String(subject.kind ?? ""))) causes.push(unsupported(`subjects[${i}].kind`, subject.kind ?? "", ["Group", "ServiceAccount", "User"]));
    if (!subject.name) causes.push(required(`subjects[${i}].name`));
    if (subject.kind === "ServiceAccount" && obj.kind === "ClusterRoleBinding" && !subject.namespace) causes.push(required(`subjects[${i}].namespace`));
  });
  return causes;
}

function validatePodDisruptionBudget(obj: KubeObject): StatusCause[] {
  const spec = asObj(obj.spec);
  if (spec.minAvailable !== undefined && spec.maxUnavailable !== undefined) {
    return [invalid("spec", spec, "minAvailable and maxUnavailable cannot be both set")];
  }
  return [];
}

function validateServicePorts(obj: KubeObject): StatusCause[] {
  const spec = asObj(obj.spec);
  const causes: StatusCause[] = [];
  const ports = asList(spec.ports);
  const names = new Set<string>();
  ports.forEach((p, i) => {
    const name = asObj(p).name;
    if (ports.length > 1 && !name) causes.push(required(`spec.ports[${i}].name`));
    if (typeof name === "string" && name) {
      if (names.has(name)) causes.push({ reason: "FieldValueDuplicate", message: `Duplicate value: "${name}"`, field: `spec.ports[${i}].name` });
      names.add(name);
    }
  });
  const type = spec.type;
  if (type !== undefined && !["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"].includes(String(type))) {
    causes.push(unsupported("spec.type", type, ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]));
  }
  return causes;
}

/** Checks beyond `validateBuiltIn` for the kinds a chart renders (labels are checked for every kind, elsewhere). */
export function validateBuiltInExtra(obj: KubeObject): StatusCause[] {
  const causes: StatusCause[] = [];
  switch (obj.kind) {
    case "MutatingWebhookConfiguration":
    case "ValidatingWebhookConfiguration": causes.push(...validateWebhookConfiguration(obj)); break;
    case "Role":
    case "ClusterRole": causes.push(...validateRoleRules(obj)); break;
    case "RoleBinding":
    case "ClusterRoleBinding": causes.push(...validateBinding(obj)); break;
    case "PodDisruptionBudget": causes.push(...validatePodDisruptionBudget(obj)); break;
    case "Service": causes.push(...validateServicePorts(obj)); break;
    case "Pod": causes.push(...validateContainerNames(asObj(obj.spec), "spec")); break;
    case "Deployment":
    case "StatefulSet":
    case "ReplicaSet":
    case "DaemonSet": {
      const template = asObj(asObj(obj.spec).template);
      causes.push(...validateLabelsAndAnnotations({ metadata: asObj(template.metadata) } as KubeObject, "spec.template.metadata"));
      causes.push(...validateContainerNames(asObj(template.spec), "spec.template.spec"));
      break;
    }
  }
  return causes;
}
