// Mutating admission: every MutatingWebhookConfiguration whose rules match a
// create/update is called over HTTPS (trusting only its caBundle) with an
// AdmissionReview v1; the returned JSONPatch is applied, failurePolicy and
// timeoutSeconds are honoured, and warnings are passed back to the client.
import { randomUUID } from "node:crypto";
import https from "node:https";
import tls from "node:tls";
import jsonPatch from "fast-json-patch";
import type { KubeObject } from "./object-store.js";
import { matchesLabelSelector, type LabelSelector } from "./selectors.js";
import { KubeError, statusErrors } from "./status.js";

export type AdmissionOperation = "CREATE" | "UPDATE" | "DELETE" | "CONNECT";

export interface AdmissionAttributes {
  operation: AdmissionOperation;
  group: string;
  version: string;
  kind: string;
  plural: string;
  subresource?: string;
  namespace: string;
  namespaced: boolean;
  name: string;
  object: KubeObject;
  oldObject?: KubeObject;
  /** Labels of the object's namespace, for namespaceSelector. */
  namespaceLabels: Record<string, string>;
  dryRun: boolean;
}

/** Resolves an in-cluster Service reference to a reachable "host:port". */
export type ServiceResolver = (namespace: string, name: string, port: number) => string | Promise<string>;

interface RuleWithOperations {
  operations?: string[];
  apiGroups?: string[];
  apiVersions?: string[];
  resources?: string[];
  scope?: string;
}

interface MutatingWebhook {
  name: string;
  clientConfig: { url?: string; caBundle?: string; service?: { namespace: string; name: string; path?: string; port?: number } };
  rules?: RuleWithOperations[];
  failurePolicy?: "Ignore" | "Fail";
  timeoutSeconds?: number;
  namespaceSelector?: LabelSelector;
  objectSelector?: LabelSelector;
  reinvocationPolicy?: "Never" | "IfNeeded";
  admissionReviewVersions?: string[];
}

export interface AdmissionResult {
  object: KubeObject;
  warnings: string[];
}

const anyOf = (list: string[] | undefined, value: string) => !!list && (list.includes("*") || list.includes(value));

function resourceMatches(patterns: string[] | undefined, plural: string, sub: string | undefined): boolean {
  for (const p of patterns ?? []) {
    if (p === "*/*") return true;
    const [res, subPat] = p.split("/");
    if (sub === undefined) {
      if (subPat === undefined && (res === "*" || res === plural)) return true;
    } else if (subPat !== undefined && (res === "*" || res === plural) && (subPat === "*" || subPat === sub)) return true;
  }
  return false;
}

export function ruleMatches(rule: RuleWithOperations, a: AdmissionAttributes): boolean {
  if (!anyOf(rule.operations, a.operation)) return false;
  if (!anyOf(rule.apiGroups, a.group)) return false;
  if (!anyOf(rule.apiVersions, a.version)) return false;
  if (!resourceMatches(rule.resources, a.plural, a.subresource)) return false;
  const scope = rule.scope ?? "*";
  if (scope === "Namespaced" && !a.namespaced) return false;
  if (scope === "Cluster" && a.namespaced) return false;
  return true;
}

function webhookMatches(w: MutatingWebhook, a: AdmissionAttributes): boolean {
  if (!(w.rules ?? []).some((r) => ruleMatches(r, a))) return false;
  // namespaceSelector applies to namespaced objects and to Namespace objects themselves.
  const nsLabels = a.plural === "namespaces" && a.group === "" ? (a.object.metadata.labels ?? {}) : a.namespaceLabels;
  if ((a.namespaced || a.plural === "namespaces") && !matchesLabelSelector(w.namespaceSelector, nsLabels)) return false;
  const objectLabelsMatch = matchesLabelSelector(w.objectSelector, a.object.metadata.labels ?? {})
    || (a.oldObject !== undefined && matchesLabelSelector(w.objectSelector, a.oldObject.metadata.labels ?? {}));
  return objectLabelsMatch;
}

function review(a: AdmissionAttributes, object: KubeObject) {
  const gvk = { group: a.group, version: a.version, kind: a.kind };
  const gvr = { group: a.group, version: a.version, resource: a.plural };
  return {
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    request: {
      uid: randomUUID(),
      kind: gvk,
      resource: gvr,
      ...(a.subresource ? { subResource: a.subresource } : {}),
      requestKind: gvk,
      requestResource: gvr,
      ...(a.subresource ? { requestSubResource: a.subresource } : {}),
      name: a.name,
      namespace: a.namespaced ? a.namespace : undefined,
      operation: a.operation,
      userInfo: { username: "kubernetes-admin", groups: ["system:masters", "system:authenticated"] },
      object,
      oldObject: a.oldObject ?? null,
      dryRun: a.dryRun,
      options: { kind: a.operation === "CREATE" ? "CreateOptions" : "UpdateOptions", apiVersion: "meta.k8s.io/v1" },
    },
  };
}

interface AdmissionResponse {
  uid?: string;
  allowed?: boolean;
  patch?: string;
  patchType?: string;
  warnings?: string[];
  status?: { code?: number; message?: string; reason?: string };
}

async function post(w: MutatingWebhook, body: unknown, resolveService: ServiceResolver | undefined): Promise<AdmissionResponse> {
  const cc = w.clientConfig;
  let url: URL;
  let servername: string;
  if (cc.url) {
    url = new URL(cc.url);
    servername = url.hostname;
  } else if (cc.service) {
    if (!resolveService) throw new Error(`no service resolver for service ${cc.service.namespace}/${cc.service.name}`);
    const port = cc.service.port ?? 443;
    const hostPort = await resolveService(cc.service.namespace, cc.service.name, port);
    url = new URL(`https://${hostPort}${cc.service.path ?? "/"}`);
    // The webhook's certificate is issued for the service's DNS name, not for where the test runs it.
    servername = `${cc.service.name}.${cc.service.namespace}.svc`;
  } else {
    throw new Error("webhook clientConfig has neither url nor service");
  }
  const ca = cc.caBundle ? Buffer.from(cc.caBundle, "base64").toString("utf8") : undefined;
  const timeoutMs = (w.timeoutSeconds ?? 10) * 1000;
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        method: "POST",
        hostname: url.hostname,
        port: url.port || 443,
        path: `${url.pathname}${url.search}`,
        ca,
        servername: /^[\d.]+$/.test(servername) ? undefined : servername,
        checkServerIdentity: (_host, cert) => tls.checkServerIdentity(servername, cert),
        headers: { "content-type": "application/json", accept: "application/json", "content-length": Buffer.byteLength(payload) },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          if ((res.statusCode ?? 0) < 200 || (res.statusCode ?? 0) >= 300) {
            reject(new Error(`received unexpected status code ${res.statusCode}: ${text.slice(0, 200)}`));
            return;
          }
          try {
            const parsed = JSON.parse(text) as { response?: AdmissionResponse };
            if (!parsed.response) throw new Error("webhook response was absent");
            resolve(parsed.response);
          } catch (e) {
            reject(new Error(`failed to decode AdmissionReview: ${(e as Error).message}`));
          }
        });
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`context deadline exceeded (timeout ${w.timeoutSeconds ?? 10}s)`)));
    req.on("error", reject);
    req.end(payload);
  });
}

/**
 * Runs the mutating webhooks of `configs` over `attrs.object`, in order
 * (configurations sorted by name, as the real server does), with one
 * reinvocation round for IfNeeded webhooks when a later one changed the object.
 */
export async function runMutatingAdmission(configs: KubeObject[], attrs: AdmissionAttributes, resolveService?: ServiceResolver): Promise<AdmissionResult> {
  const webhooks = configs
    .sort((a, b) => (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""))
    .flatMap((c) => ((c.webhooks as MutatingWebhook[] | undefined) ?? []));
  let object = attrs.object;
  const warnings: string[] = [];
  const changedBy = new Map<string, number>(); // webhook name -> index of the round's last change
  let lastChange = -1;
  const callOne = async (w: MutatingWebhook, index: number) => {
    if (!webhookMatches(w, { ...attrs, object })) return;
    let res: AdmissionResponse;
    try {
      res = await post(w, review(attrs, object), resolveService);
    } catch (e) {
      if (w.failurePolicy === "Ignore") return;
      throw statusErrors.internal(`failed calling webhook "${w.name}": failed to call webhook: Post "${w.clientConfig.url ?? `https://${w.clientConfig.service?.name}.${w.clientConfig.service?.namespace}.svc:${w.clientConfig.service?.port ?? 443}${w.clientConfig.service?.path ?? ""}`}": ${(e as Error).message}`);
    }
    for (const warning of res.warnings ?? []) warnings.push(warning);
    if (!res.allowed) {
      const code = res.status?.code ?? 403;
      throw new KubeError(code, res.status?.reason ?? "Forbidden", `admission webhook "${w.name}" denied the request${res.status?.message ? `: ${res.status.message}` : " without explanation"}`);
    }
    if (res.patch) {
      if (res.patchType && res.patchType !== "JSONPatch") throw statusErrors.internal(`webhook "${w.name}" returned an unsupported patchType ${res.patchType}`);
      try {
        const ops = JSON.parse(Buffer.from(res.patch, "base64").toString("utf8")) as jsonPatch.Operation[];
        if (ops.length > 0) {
          object = jsonPatch.applyPatch(structuredClone(object), ops, true, false).newDocument;
          changedBy.set(w.name, index);
          lastChange = index;
        }
      } catch (e) {
        if (w.failurePolicy === "Ignore") return;
        throw statusErrors.internal(`failed calling webhook "${w.name}": the patch could not be applied: ${(e as Error).message}`);
      }
    }
  };
  for (const [i, w] of webhooks.entries()) await callOne(w, i);
  // Reinvoke IfNeeded webhooks that ran before some later webhook changed the object.
  for (const [i, w] of webhooks.entries()) {
    if (w.reinvocationPolicy === "IfNeeded" && lastChange > i && changedBy.get(w.name) !== lastChange) await callOne(w, webhooks.length);
  }
  return { object, warnings };
}
