// The API server's semantics, independent of HTTP: create, update, patch,
// delete, get and list with the real server's rules (resourceVersion
// preconditions, generation, status subresource, admission, validation,
// finalizers, CRD registration). The HTTP layer and the in-double
// controllers both go through here, so pods made by a Deployment see the
// same admission path as pods made by kubectl.
import { isDeepStrictEqual } from "node:util";
import { randomInt, randomUUID } from "node:crypto";
import { parse as parseYaml } from "yaml";
import { runMutatingAdmission, type AdmissionOperation, type ServiceResolver } from "./admission.js";
import { applyBuiltInDefaults, validateBuiltIn, validateObjectMeta } from "./builtin-rules.js";
import { validateBuiltInExtra, validateLabelsAndAnnotations } from "./builtin-validation-extra.js";
import { crdToResourceType, establishedCrdStatus, pruneUnknownFields, validateAgainstSchema, validateCrd } from "./crd-schema.js";
import { evaluateCelRules } from "./cel-rules.js";
import { clone, type KubeObject, type ObjectStore } from "./object-store.js";
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch, type PatchKind } from "./patch.js";
import { apiVersionOf, type ResourceType, type ResourceTypeRegistry } from "./resource-types.js";
import { parseFieldSelector, parseLabelSelector } from "./selectors.js";
import { KubeError, statusErrors, type StatusCause } from "./status.js";

export interface Target {
  type: ResourceType;
  version: string;
  /** "" for cluster-scoped types, or for a list across all namespaces. */
  namespace: string;
  name?: string;
  subresource?: string;
}

export interface WriteOptions {
  dryRun?: boolean;
  propagationPolicy?: string;
  /**
   * What to do with fields a custom resource's schema does not declare:
   * Strict refuses the write (400), Warn (the server's default) stores it
   * pruned with a warning, Ignore prunes silently. Built-ins are not checked.
   */
  fieldValidation?: "Strict" | "Warn" | "Ignore";
}

export interface WriteResult {
  object: KubeObject;
  warnings: string[];
}

export type DeleteHook = (deleted: KubeObject, type: ResourceType, propagationPolicy: string | undefined) => void;

/** Characters the real server uses for generated name suffixes (no vowels, no look-alikes). */
const suffixAlphabet = "bcdfghjklmnpqrstvwxz2456789";
export function randomSuffix(n = 5): string {
  let s = "";
  for (let i = 0; i < n; i++) s += suffixAlphabet[randomInt(suffixAlphabet.length)];
  return s;
}

export const resourceKey = (t: ResourceType): string => `${t.group}/${t.plural}`;

const nowRfc3339 = () => new Date().toISOString().replace(/\.\d+Z$/, "Z");

export class KubeApiCore {
  private readonly deleteHooks: DeleteHook[] = [];

  constructor(
    readonly registry: ResourceTypeRegistry,
    readonly store: ObjectStore,
    private readonly resolveService?: ServiceResolver,
  ) {}

  /** Called after every actual removal (garbage collection hooks in here). */
  onDelete(hook: DeleteHook): void {
    this.deleteHooks.push(hook);
  }

  /** The object as a client of `version` sees it. */
  present(obj: KubeObject, t: ResourceType, version: string): KubeObject {
    const { apiVersion: _a, kind: _k, ...rest } = obj;
    return { apiVersion: apiVersionOf(t.group, version), kind: t.kind, ...rest } as KubeObject;
  }

  private notFound(t: ResourceType, name: string): KubeError {
    return statusErrors.notFound(t.group, t.plural, name);
  }

  get(target: Target): KubeObject {
    const t = target.type;
    const obj = this.store.get(resourceKey(t), t.namespaced ? target.namespace : "", target.name ?? "");
    if (!obj) throw this.notFound(t, target.name ?? "");
    return this.present(obj, t, target.version);
  }

  list(target: Target, labelSelector?: string, fieldSelector?: string): { items: KubeObject[]; resourceVersion: string } {
    const t = target.type;
    const byLabels = parseLabelSelector(labelSelector);
    const byFields = parseFieldSelector(fieldSelector);
    const items = this.store
      .list(resourceKey(t), t.namespaced && target.namespace ? target.namespace : undefined, (o) => byLabels(o.metadata.labels ?? {}) && byFields(o as KubeObject))
      .map((o) => this.present(o, t, target.version));
    return { items, resourceVersion: String(this.store.currentRv) };
  }

  private checkTypeMeta(body: KubeObject, target: Target): void {
    if (!body || typeof body !== "object" || Array.isArray(body)) throw statusErrors.badRequest("the body of the request was not a JSON object");
    const t = target.type;
    const expected = apiVersionOf(t.group, target.version);
    if (body.apiVersion !== undefined && body.apiVersion !== expected) {
      throw statusErrors.badRequest(`the API version in the data (${body.apiVersion}) does not match the expected API version (${expected})`);
    }
    if (body.kind !== undefined && body.kind !== t.kind) {
      throw statusErrors.badRequest(`the kind in the data (${body.kind}) does not match the expected kind (${t.kind})`);
    }
    if (body.metadata !== undefined && (typeof body.metadata !== "object" || body.metadata === null)) {
      throw statusErrors.badRequest("metadata must be an object");
    }
    body.metadata ??= {};
    const ns = body.metadata.namespace;
    if (t.namespaced) {
      if (ns && target.namespace && ns !== target.namespace) {
        throw statusErrors.badRequest("the namespace of the provided object does not match the namespace sent on the request");
      }
      body.metadata.namespace = target.namespace || ns;
      if (!body.metadata.namespace) throw statusErrors.badRequest("an empty namespace may not be set during creation");
    } else {
      delete body.metadata.namespace;
    }
    if (target.name && body.metadata.name && body.metadata.name !== target.name) {
      throw statusErrors.badRequest("the name of the object does not match the name on the URL");
    }
  }

  /** Pruning and defaulting, as the real server does while decoding; unknown fields of custom resources go to `pruned`. */
  private normalize(obj: KubeObject, t: ResourceType, version: string, isCreate: boolean, pruned: string[] = []): KubeObject {
    obj.apiVersion = apiVersionOf(t.group, version);
    obj.kind = t.kind;
    if (t.custom) {
      const schema = t.custom.schemas.get(version) as Record<string, unknown> | undefined;
      obj = pruneUnknownFields(obj, schema, pruned) as KubeObject;
    } else {
      applyBuiltInDefaults(obj, isCreate);
    }
    return obj;
  }

  /** Applies the fieldValidation policy to the fields pruned from the client's object; returns warnings. */
  private fieldValidation(pruned: string[], t: ResourceType, version: string, opts: WriteOptions): string[] {
    if (pruned.length === 0 || opts.fieldValidation === "Ignore") return [];
    const unknown = pruned.map((p) => `unknown field "${p}"`);
    if (opts.fieldValidation === "Strict") {
      throw statusErrors.badRequest(`${t.kind} in version "${version}" cannot be handled as a ${t.kind}: strict decoding error: ${unknown.join(", ")}`);
    }
    return unknown;
  }

  private validate(obj: KubeObject, t: ResourceType, version: string, old?: KubeObject): void {
    const causes: StatusCause[] = [...validateObjectMeta(obj), ...validateLabelsAndAnnotations(obj)];
    if (t.custom) {
      const schema = t.custom.schemas.get(version) as Record<string, unknown> | undefined;
      if (schema) causes.push(...validateAgainstSchema(obj, schema), ...evaluateCelRules(obj, schema, old));
    } else {
      causes.push(...validateBuiltIn(obj), ...validateBuiltInExtra(obj));
      if (t.group === "apiextensions.k8s.io" && t.plural === "customresourcedefinitions") causes.push(...validateCrd(obj));
    }
    if (causes.length > 0) throw statusErrors.invalid(t.group, t.kind, obj.metadata.name ?? "", causes);
  }

  private async admit(op: AdmissionOperation, target: Target, obj: KubeObject, old: KubeObject | undefined, dryRun: boolean): Promise<{ object: KubeObject; warnings: string[] }> {
    const t = target.type;
    const configs = this.store.list("admissionregistration.k8s.io/mutatingwebhookconfigurations");
    if (configs.length === 0) return { object: obj, warnings: [] };
    const nsObj = t.namespaced ? this.store.get("/namespaces", "", obj.metadata.namespace ?? "") : undefined;
    return runMutatingAdmission(
      configs,
      {
        operation: op,
        group: t.group,
        version: target.version,
        kind: t.kind,
        plural: t.plural,
        subresource: target.subresource,
        namespace: obj.metadata.namespace ?? "",
        namespaced: t.namespaced,
        name: obj.metadata.name ?? "",
        object: obj,
        oldObject: old,
        namespaceLabels: nsObj?.metadata.labels ?? {},
        dryRun,
      },
      this.resolveService,
    );
  }

  async create(target: Target, body: KubeObject, opts: WriteOptions = {}): Promise<WriteResult> {
    const t = target.type;
    if (target.subresource) throw statusErrors.methodNotAllowed();
    body = clone(body);
    this.checkTypeMeta(body, target);
    const ns = t.namespaced ? body.metadata.namespace! : "";
    if (t.namespaced && !this.store.get("/namespaces", "", ns)) throw statusErrors.namespaceNotFound(ns);
    if (!body.metadata.name && !body.metadata.generateName) {
      throw statusErrors.invalid(t.group, t.kind, "", [{ reason: "FieldValueRequired", message: "Required value: name or generateName is required", field: "metadata.name" }]);
    }
    if (body.metadata.name && this.store.get(resourceKey(t), ns, body.metadata.name)) throw statusErrors.alreadyExists(t.group, t.plural, body.metadata.name);
    const meta = body.metadata;
    for (const k of ["resourceVersion", "deletionTimestamp", "uid", "generation", "creationTimestamp"] as const) delete meta[k];
    // A custom resource's status can only be written through /status.
    if (t.custom && t.statusSubresource) delete body.status;
    const pruned: string[] = [];
    let obj = this.normalize(body, t, target.version, true, pruned);
    const fieldWarnings = this.fieldValidation(pruned, t, target.version, opts);
    const admitted = await this.admit("CREATE", target, obj, undefined, !!opts.dryRun);
    admitted.warnings.unshift(...fieldWarnings);
    obj = this.normalize(admitted.object, t, target.version, true);
    if (!obj.metadata.name && obj.metadata.generateName) obj.metadata.name = `${obj.metadata.generateName}${randomSuffix()}`;
    obj.metadata.uid = randomUUID();
    obj.metadata.creationTimestamp = nowRfc3339();
    // Only kinds with a spec (and custom resources) track generation, as on the real server.
    if (t.custom || obj.spec !== undefined) obj.metadata.generation = 1;
    if (t.custom === undefined && t.plural === "customresourcedefinitions") obj.status = establishedCrdStatus(obj);
    this.validate(obj, t, target.version);
    if (this.store.get(resourceKey(t), ns, obj.metadata.name!)) throw statusErrors.alreadyExists(t.group, t.plural, obj.metadata.name!);
    if (opts.dryRun) return { object: this.present(obj, t, target.version), warnings: admitted.warnings };
    const stored = this.store.put(resourceKey(t), obj);
    this.afterWrite(t, stored);
    return { object: this.present(stored, t, target.version), warnings: admitted.warnings };
  }

  /**
   * PUT: full replacement, with `target.subresource === "status"` for the
   * status endpoint. Without a resourceVersion (allowed for built-ins) it is
   * unconditional: a concurrent write makes it start over, never 409.
   */
  async update(target: Target, body: KubeObject, opts: WriteOptions = {}): Promise<WriteResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.updateOnce(target, body, opts);
      } catch (e) {
        const racing = e instanceof KubeError && (e as KubeError & { racing?: boolean }).racing;
        if (!racing || attempt >= 25 || body.metadata?.resourceVersion) throw e;
      }
    }
  }

  private async updateOnce(target: Target, body: KubeObject, opts: WriteOptions): Promise<WriteResult> {
    const t = target.type;
    if (target.subresource && target.subresource !== "status") throw statusErrors.pathNotFound();
    if (target.subresource === "status" && !t.statusSubresource) throw statusErrors.pathNotFound();
    body = clone(body);
    this.checkTypeMeta(body, target);
    const ns = t.namespaced ? body.metadata.namespace! : "";
    const name = target.name ?? body.metadata.name ?? "";
    const existing = this.store.get(resourceKey(t), ns, name);
    if (!existing) throw this.notFound(t, name);
    const wantRv = body.metadata.resourceVersion;
    if (!wantRv && t.custom) {
      throw statusErrors.invalid(t.group, t.kind, name, [{ reason: "FieldValueInvalid", message: "Invalid value: 0x0: must be specified for an update", field: "metadata.resourceVersion" }]);
    }
    if (wantRv && wantRv !== existing.metadata.resourceVersion) throw statusErrors.conflict(t.group, t.plural, name);

    let obj: KubeObject;
    if (target.subresource === "status") {
      // The status endpoint changes status and nothing else.
      obj = { ...clone(existing), status: body.status };
      if (body.status === undefined) delete obj.status;
    } else {
      obj = body;
      obj.metadata.name = name;
      if (t.statusSubresource) {
        if (existing.status === undefined) delete obj.status;
        else obj.status = clone(existing.status);
      }
    }
    for (const k of ["uid", "creationTimestamp", "deletionTimestamp", "generation"] as const) {
      if (existing.metadata[k] === undefined) delete obj.metadata[k];
      else obj.metadata[k] = existing.metadata[k] as never;
    }
    const pruned: string[] = [];
    obj = this.normalize(obj, t, target.version, false, pruned);
    const fieldWarnings = this.fieldValidation(pruned, t, target.version, opts);
    // Webhooks only see subresource writes when a rule names the subresource (admit matches on it).
    const admitted = await this.admit("UPDATE", target, obj, this.present(existing, t, target.version), !!opts.dryRun);
    obj = this.normalize(admitted.object, t, target.version, false);
    const warnings = [...fieldWarnings, ...admitted.warnings];
    if (t.plural === "customresourcedefinitions" && t.group === "apiextensions.k8s.io" && target.subresource !== "status") obj.status = establishedCrdStatus(obj);
    this.validate(obj, t, target.version, this.present(existing, t, target.version));

    const current = this.store.get(resourceKey(t), ns, name);
    if (!current) throw this.notFound(t, name);
    // Someone wrote while admission ran: with a precondition that is a conflict;
    // without one, the whole update starts over from the newer object.
    if (current.metadata.resourceVersion !== existing.metadata.resourceVersion) {
      throw Object.assign(statusErrors.conflict(t.group, t.plural, name), { racing: true });
    }
    obj.metadata.resourceVersion = current.metadata.resourceVersion;
    if (current.metadata.generation !== undefined && specChanged(current, obj, t)) obj.metadata.generation = current.metadata.generation + 1;
    // A write that changes nothing is not a write: no new resourceVersion, no watch event.
    const comparableCurrent = this.normalize(clone(current), t, target.version, false);
    if (isDeepStrictEqual(comparableCurrent, obj)) return { object: this.present(current, t, target.version), warnings };
    if (opts.dryRun) return { object: this.present(obj, t, target.version), warnings };
    if (obj.metadata.deletionTimestamp && (obj.metadata.finalizers ?? []).length === 0) {
      const removed = this.store.remove(resourceKey(t), ns, name)!;
      this.afterRemove(t, removed, undefined);
      return { object: this.present(removed, t, target.version), warnings };
    }
    const stored = this.store.put(resourceKey(t), obj);
    this.afterWrite(t, stored);
    return { object: this.present(stored, t, target.version), warnings };
  }

  /**
   * PATCH. A patch without a resourceVersion never fails with 409 because of
   * a concurrent write: like the real server, we re-apply it to the newer
   * object and try again.
   */
  async patch(target: Target, kind: PatchKind, rawBody: string, opts: WriteOptions = {}): Promise<WriteResult> {
    let patchBody: unknown;
    try {
      patchBody = kind === "apply" ? parseYaml(rawBody) : JSON.parse(rawBody);
    } catch (e) {
      throw statusErrors.badRequest(`error decoding patch: ${(e as Error).message}`);
    }
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.patchOnce(target, kind, patchBody, opts);
      } catch (e) {
        const racing = e instanceof KubeError && e.reason === "Conflict" && (e as KubeError & { racing?: boolean }).racing;
        if (!racing || attempt >= 25) throw e;
      }
    }
  }

  private async patchOnce(target: Target, kind: PatchKind, patchBody: unknown, opts: WriteOptions): Promise<WriteResult> {
    const t = target.type;
    const name = target.name ?? "";
    const existing = this.store.get(resourceKey(t), t.namespaced ? target.namespace : "", name);
    if (!existing) {
      // Server-side apply creates what does not exist yet.
      if (kind === "apply" && !target.subresource) return this.create({ ...target, name: undefined }, patchBody as KubeObject, opts);
      throw this.notFound(t, name);
    }
    const current = this.present(existing, t, target.version);
    let patched: unknown;
    switch (kind) {
      case "json": patched = applyJsonPatch(current, patchBody); break;
      case "merge":
      case "apply": patched = applyMergePatch(current, patchBody); break;
      case "strategic":
        if (t.custom) throw statusErrors.unsupportedMediaType("application/strategic-merge-patch+json");
        patched = applyStrategicMergePatch(current, patchBody);
        break;
    }
    const obj = patched as KubeObject;
    if (!obj || typeof obj !== "object" || !obj.metadata) throw statusErrors.badRequest("the patch removed the object's metadata");
    // A resourceVersion in the patch is a precondition; none means "apply to whatever is current".
    const patchHasRv = hasResourceVersion(patchBody);
    obj.metadata.resourceVersion ||= existing.metadata.resourceVersion;
    if (obj.metadata.resourceVersion !== existing.metadata.resourceVersion) throw statusErrors.conflict(t.group, t.plural, name);
    try {
      return await this.update(target, obj, opts);
    } catch (e) {
      // Our own precondition lost a race with another write: the caller may retry.
      if (!patchHasRv && e instanceof KubeError && e.reason === "Conflict") Object.assign(e, { racing: true });
      throw e;
    }
  }

  async delete(target: Target, opts: WriteOptions & { preconditionUid?: string; preconditionRv?: string } = {}): Promise<KubeObject> {
    const t = target.type;
    const ns = t.namespaced ? target.namespace : "";
    const name = target.name ?? "";
    const existing = this.store.get(resourceKey(t), ns, name);
    if (!existing) throw this.notFound(t, name);
    if (opts.preconditionUid && opts.preconditionUid !== existing.metadata.uid) {
      throw new KubeError(409, "Conflict", `Precondition failed: UID in precondition: ${opts.preconditionUid}, UID in object meta: ${existing.metadata.uid}`);
    }
    if (opts.preconditionRv && opts.preconditionRv !== existing.metadata.resourceVersion) throw statusErrors.conflict(t.group, t.plural, name);
    if (opts.dryRun) return this.present(existing, t, target.version);
    if ((existing.metadata.finalizers ?? []).length > 0) {
      // Finalizers hold the object until its controllers remove them.
      if (!existing.metadata.deletionTimestamp) {
        existing.metadata.deletionTimestamp = nowRfc3339();
        return this.present(this.store.put(resourceKey(t), existing), t, target.version);
      }
      return this.present(existing, t, target.version);
    }
    const removed = this.store.remove(resourceKey(t), ns, name)!;
    this.afterRemove(t, removed, opts.propagationPolicy);
    return this.present(removed, t, target.version);
  }

  private afterWrite(t: ResourceType, stored: KubeObject): void {
    if (t.group === "apiextensions.k8s.io" && t.plural === "customresourcedefinitions") {
      const previous = this.registry.all().find((x) => x.custom?.crdName === stored.metadata.name);
      if (previous) this.registry.remove(previous.group, previous.plural);
      this.registry.add(crdToResourceType(stored));
    }
  }

  private afterRemove(t: ResourceType, removed: KubeObject, propagationPolicy: string | undefined): void {
    if (t.group === "apiextensions.k8s.io" && t.plural === "customresourcedefinitions") {
      const served = this.registry.all().find((x) => x.custom?.crdName === removed.metadata.name);
      if (served) {
        this.registry.remove(served.group, served.plural);
        for (const o of this.store.list(resourceKey(served))) this.store.remove(resourceKey(served), o.metadata.namespace ?? "", o.metadata.name ?? "");
      }
    }
    if (t.group === "" && t.plural === "namespaces") {
      // Deleting a namespace deletes everything in it.
      for (const type of this.registry.all().filter((x) => x.namespaced)) {
        for (const o of this.store.list(resourceKey(type), removed.metadata.name)) {
          const gone = this.store.remove(resourceKey(type), o.metadata.namespace ?? "", o.metadata.name ?? "");
          if (gone) for (const h of this.deleteHooks) h(gone, type, "Background");
        }
      }
    }
    for (const h of this.deleteHooks) h(removed, t, propagationPolicy);
  }
}

/** Did anything other than metadata (and status, when it is a subresource) change? Then generation bumps. */
function specChanged(before: KubeObject, after: KubeObject, t: ResourceType): boolean {
  const strip = (o: KubeObject) => {
    const { metadata: _m, status, apiVersion: _a, kind: _k, ...rest } = o;
    return t.statusSubresource ? rest : { ...rest, status };
  };
  return !isDeepStrictEqual(strip(before), strip(after));
}

function hasResourceVersion(patch: unknown): boolean {
  if (Array.isArray(patch)) return patch.some((op) => typeof op === "object" && op !== null && String((op as { path?: unknown }).path ?? "").startsWith("/metadata/resourceVersion"));
  const meta = (patch as { metadata?: { resourceVersion?: unknown } } | null)?.metadata;
  return !!meta && meta.resourceVersion !== undefined && meta.resourceVersion !== null;
}
