// CustomResourceDefinitions: turning a CRD into a served resource type, and
// validating custom objects against `openAPIV3Schema` the way the real server
// does (pruning of unknown fields, defaults, 422 causes with field paths).
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import { celRuleProblems } from "./cel-rules.js";
import type { KubeObject } from "./object-store.js";
import { compareVersionPriority, type PrinterColumn, type ResourceType } from "./resource-types.js";
import type { StatusCause } from "./status.js";

// ajv-formats is CommonJS; under NodeNext its default export is the module object.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as unknown as (a: Ajv) => void;

type Schema = Record<string, unknown>;

function newAjv(): Ajv {
  // strict: false because Kubernetes schemas carry x-kubernetes-* keywords ajv does not know;
  // verbose so errors carry the offending value, which the real messages quote.
  // unicodeRegExp off: Go's RE2 accepts escapes (like `\_`) that JavaScript's unicode mode refuses.
  const ajv = new Ajv({ strict: false, allErrors: true, useDefaults: true, verbose: true, logger: false, unicodeRegExp: false });
  addFormats(ajv);
  for (const f of ["int32", "int64", "float", "double", "quantity", "byte", "password"]) ajv.addFormat(f, true);
  return ajv;
}

const ajv = newAjv();
const compiled = new WeakMap<object, ValidateFunction>();

/** The compiled validator of a CRD version schema (cached); throws when the schema does not compile. */
export function compileSchema(schema: Schema): ValidateFunction {
  let validate = compiled.get(schema);
  if (!validate) {
    // metadata is validated by the server itself, not by the CRD schema.
    const props = { ...((schema.properties as Schema | undefined) ?? {}) };
    delete props.metadata;
    validate = ajv.compile({ ...schema, properties: props });
    compiled.set(schema, validate);
  }
  return validate;
}

/** Validates `obj` against a CRD version schema; returns the causes of a 422 (empty when valid). Applies schema defaults. */
export function validateAgainstSchema(obj: KubeObject, schema: Schema): StatusCause[] {
  const validate = compileSchema(schema);
  if (validate(obj)) return [];
  return dedupe((validate.errors ?? []).filter((e) => e.keyword !== "if" && e.keyword !== "anyOf").map(toCause));
}

function dedupe(causes: StatusCause[]): StatusCause[] {
  const seen = new Set<string>();
  return causes.filter((c) => {
    const k = `${c.field}|${c.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** "/spec/metadata/0/name" -> "spec.metadata[0].name" */
export function fieldPath(instancePath: string): string {
  let out = "";
  for (const raw of instancePath.split("/").slice(1)) {
    const seg = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (/^\d+$/.test(seg)) out += `[${seg}]`;
    else out += out ? `.${seg}` : seg;
  }
  return out;
}

function describe(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "object") return "object";
  return JSON.stringify(v);
}

function jsonTypeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

function toCause(e: ErrorObject): StatusCause {
  const field = fieldPath(e.instancePath);
  switch (e.keyword) {
    case "required": {
      const missing = (e.params as { missingProperty: string }).missingProperty;
      return { reason: "FieldValueRequired", message: "Required value", field: field ? `${field}.${missing}` : missing };
    }
    case "type": {
      const t = jsonTypeName(e.data);
      const expected = (e.params as { type: string | string[] }).type;
      return { reason: "FieldValueTypeInvalid", message: `Invalid value: "${t}": ${field || "body"} in body must be of type ${expected}: "${t}"`, field };
    }
    case "enum": {
      const allowed = ((e.params as { allowedValues: unknown[] }).allowedValues ?? []).map((v) => JSON.stringify(v)).join(", ");
      return { reason: "FieldValueNotSupported", message: `Unsupported value: ${describe(e.data)}: supported values: ${allowed}`, field };
    }
    default:
      return { reason: "FieldValueInvalid", message: `Invalid value: ${describe(e.data)}: ${field || "body"} in body ${e.message ?? "is invalid"}`, field };
  }
}

/**
 * Drops fields the schema does not declare, as the real server does for
 * structural schemas, unless `x-kubernetes-preserve-unknown-fields` says keep.
 * The paths of dropped fields are pushed onto `pruned` ("spec.list[0].x"),
 * for field validation (Strict / Warn).
 */
export function pruneUnknownFields(value: unknown, schema: Schema | undefined, pruned: string[] = [], path = ""): unknown {
  if (!schema || value === null || typeof value !== "object") return value;
  const isRoot = path === "";
  if (Array.isArray(value)) {
    const items = schema.items as Schema | undefined;
    return items ? value.map((v, i) => pruneUnknownFields(v, items, pruned, `${path}[${i}]`)) : value;
  }
  const obj = value as Record<string, unknown>;
  const props = schema.properties as Record<string, Schema> | undefined;
  const additional = schema.additionalProperties;
  const preserve = schema["x-kubernetes-preserve-unknown-fields"] === true;
  const embedded = schema["x-kubernetes-embedded-resource"] === true;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    const childPath = isRoot ? k : `${path}.${k}`;
    if ((isRoot || embedded) && (k === "apiVersion" || k === "kind" || k === "metadata")) {
      out[k] = v;
    } else if (props && k in props) {
      out[k] = pruneUnknownFields(v, props[k], pruned, childPath);
    } else if (additional && typeof additional === "object") {
      out[k] = pruneUnknownFields(v, additional as Schema, pruned, childPath);
    } else if (preserve || additional === true || (!props && !additional && schema.type !== "object")) {
      out[k] = v;
    } else {
      pruned.push(childPath);
    }
  }
  return out;
}

interface CrdVersion {
  name: string;
  served?: boolean;
  storage?: boolean;
  schema?: { openAPIV3Schema?: Schema };
  subresources?: { status?: unknown };
  additionalPrinterColumns?: PrinterColumn[];
}

interface CrdSpec {
  group?: string;
  scope?: string;
  names?: { plural?: string; singular?: string; kind?: string; shortNames?: string[]; categories?: string[]; listKind?: string };
  versions?: CrdVersion[];
}

/** Checks what the real server checks on a CRD before accepting it; returns 422 causes. */
export function validateCrd(crd: KubeObject): StatusCause[] {
  const spec = (crd.spec ?? {}) as CrdSpec;
  const causes: StatusCause[] = [];
  const need = (ok: unknown, field: string) => {
    if (!ok) causes.push({ reason: "FieldValueRequired", message: "Required value", field });
  };
  need(spec.group, "spec.group");
  need(spec.names?.plural, "spec.names.plural");
  need(spec.names?.kind, "spec.names.kind");
  need(spec.scope, "spec.scope");
  const versions = spec.versions ?? [];
  if (versions.length === 0) causes.push({ reason: "FieldValueInvalid", message: "Invalid value: \"null\": must have exactly one version marked as storage version", field: "spec.versions" });
  else if (versions.filter((v) => v.storage).length !== 1) {
    causes.push({ reason: "FieldValueInvalid", message: `Invalid value: ${JSON.stringify(versions.map((v) => v.name))}: must have exactly one version marked as storage version`, field: "spec.versions" });
  }
  versions.forEach((v, i) => {
    const field = `spec.versions[${i}].schema.openAPIV3Schema`;
    if (!v.schema?.openAPIV3Schema) {
      causes.push({ reason: "FieldValueRequired", message: "Required value: schemas are required", field });
      return;
    }
    try {
      compileSchema(v.schema.openAPIV3Schema);
    } catch (e) {
      causes.push({ reason: "FieldValueInvalid", message: `Invalid value: "object": ${(e as Error).message}`, field });
    }
    causes.push(...celRuleProblems(v.schema.openAPIV3Schema, field));
  });
  if (spec.scope && spec.scope !== "Namespaced" && spec.scope !== "Cluster") {
    causes.push({ reason: "FieldValueNotSupported", message: `Unsupported value: "${spec.scope}": supported values: "Cluster", "Namespaced"`, field: "spec.scope" });
  }
  if (spec.group && spec.names?.plural && crd.metadata.name !== `${spec.names.plural}.${spec.group}`) {
    causes.push({ reason: "FieldValueInvalid", message: `Invalid value: "${crd.metadata.name}": must be spec.names.plural+"."+spec.group`, field: "metadata.name" });
  }
  return causes;
}

/** The served resource type of an accepted CRD. */
export function crdToResourceType(crd: KubeObject): ResourceType {
  const spec = crd.spec as CrdSpec;
  const served = (spec.versions ?? []).filter((v) => v.served !== false);
  const schemas = new Map<string, unknown>();
  const printerColumns = new Map<string, PrinterColumn[]>();
  for (const v of served) {
    schemas.set(v.name, v.schema?.openAPIV3Schema ?? {});
    printerColumns.set(v.name, v.additionalPrinterColumns ?? []);
  }
  const kind = spec.names!.kind!;
  return {
    group: spec.group!,
    versions: served.map((v) => v.name).sort(compareVersionPriority),
    plural: spec.names!.plural!,
    singular: spec.names!.singular || kind.toLowerCase(),
    kind,
    namespaced: spec.scope === "Namespaced",
    shortNames: spec.names!.shortNames,
    categories: spec.names!.categories,
    statusSubresource: served.some((v) => v.subresources?.status !== undefined),
    custom: { crdName: crd.metadata.name!, schemas, printerColumns },
  };
}

/** The status the real server writes on an accepted CRD. */
export function establishedCrdStatus(crd: KubeObject): Record<string, unknown> {
  const spec = crd.spec as CrdSpec;
  const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  const storage = (spec.versions ?? []).find((v) => v.storage)?.name;
  const names = { ...spec.names, singular: spec.names?.singular || spec.names?.kind?.toLowerCase(), listKind: spec.names?.listKind || `${spec.names?.kind}List` };
  return {
    acceptedNames: names,
    conditions: [
      { type: "NamesAccepted", status: "True", reason: "NoConflicts", message: "no conflicts found", lastTransitionTime: now },
      { type: "Established", status: "True", reason: "InitialNamesAccepted", message: "the initial names have been accepted", lastTransitionTime: now },
    ],
    storedVersions: storage ? [storage] : [],
  };
}
