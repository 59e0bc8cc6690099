// THE validation of dapr.io resources (Component, Resiliency, Subscription,
// Configuration) against the CRDs in the repository's `crds/` folder, so that a
// resource file is judged exactly as `kubectl apply` of the same YAML would be.
//
// The CRD YAMLs are read at run time (not copied into code) so there is one
// source of truth; they are loaded lazily on first use and cached.
//
// Unknown fields: a Kubernetes API server prunes them silently (or rejects them
// with kubectl's strict field validation). Dapr's own standalone loader ignores
// them. We report them as warnings by default so existing Dapr YAMLs keep
// loading, and callers that want kubectl's strict behaviour pass
// `{ unknownFields: "reject" }`.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import type { Ajv, ErrorObject, Options as AjvOptions, ValidateFunction } from "ajv";
import { parseAllDocuments } from "yaml";

// ajv is required when a schema has to be compiled here, not when this module loads: the
// shipped build brings its validators compiled (below), and then ajv is never loaded.
const requireFromHere = createRequire(import.meta.url);

/**
 * An ajv for the CRD schemas, with ajv-formats' checks; the sidecar's and the one the build
 * compiles validators with (tools/crd-artifacts.ts), which adds its code options in `extra`.
 */
export function newCrdAjv(extra: AjvOptions = {}): Ajv {
  const { Ajv: AjvClass } = requireFromHere("ajv") as typeof import("ajv");
  // ajv-formats is CommonJS; its function is the module or its default.
  const addFormats = requireFromHere("ajv-formats") as ((ajv: Ajv) => void) & { default?: (ajv: Ajv) => void };
  // strict: false because the schemas carry x-kubernetes-* keywords ajv does not know.
  // No useDefaults/coerceTypes/removeAdditional: validation must not touch the input.
  const ajv = new AjvClass({ strict: false, allErrors: true, logger: false, ...extra });
  (addFormats.default ?? addFormats)(ajv);
  return ajv;
}

/** A Kubernetes structural schema node (the subset of JSONSchemaProps the CRDs use). */
export interface JsonSchemaProps {
  type?: string;
  description?: string;
  properties?: Record<string, JsonSchemaProps>;
  additionalProperties?: JsonSchemaProps | boolean;
  items?: JsonSchemaProps;
  required?: string[];
  enum?: unknown[];
  format?: string;
  nullable?: boolean;
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  "x-kubernetes-int-or-string"?: boolean;
  [keyword: string]: unknown;
}

export interface CrdVersion {
  name: string;
  served: boolean;
  storage: boolean;
  schema?: { openAPIV3Schema: JsonSchemaProps };
  subresources?: { status?: Record<string, never>; scale?: Record<string, unknown> };
  additionalPrinterColumns?: { name: string; type: string; jsonPath: string; priority?: number; description?: string }[];
}

export interface CustomResourceDefinition {
  apiVersion: "apiextensions.k8s.io/v1";
  kind: "CustomResourceDefinition";
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: {
    group: string;
    scope: "Namespaced" | "Cluster";
    names: { kind: string; plural: string; singular?: string; listKind?: string; shortNames?: string[]; categories?: string[] };
    versions: CrdVersion[];
    conversion?: { strategy: "None" | "Webhook"; webhook?: unknown };
  };
}

export type UnknownFieldPolicy = "warn" | "reject" | "ignore";

export interface ValidateOptions {
  /** What an unknown field yields: a warning (default), an error, or nothing. */
  unknownFields?: UnknownFieldPolicy;
}

export type ResourceValidation =
  | { ok: true; kind: string; apiVersion: string; warnings: string[] }
  | { ok: false; errors: string[] };

interface ServedVersion {
  apiVersion: string;
  kind: string;
  schema: JsonSchemaProps;
  /** Compiled on first use: compiling every schema up front costs startup time for kinds never seen. */
  validate?: ValidateFunction;
}

let cache: { crds: CustomResourceDefinition[]; byKey: Map<string, ServedVersion>; prebuilt?: Record<string, ValidateFunction>; ajv?: Ajv } | undefined;

/**
 * Finds the `crds/` folder: walks up from this module until a folder holding
 * `crds/components.yaml` appears, so it works from `sidecar/resources/` (tsx,
 * vitest) and from `dist/sidecar/resources/` (compiled) alike.
 */
export function findCrdsDir(startDir: string = path.dirname(fileURLToPath(import.meta.url))): string {
  let dir = path.resolve(startDir);
  for (;;) {
    const candidate = path.join(dir, "crds");
    if (existsSync(path.join(candidate, "components.yaml"))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find a crds/ folder (with components.yaml) above ${startDir}`);
    dir = parent;
  }
}

/** The CRDs of `crds/*.yaml`, parsed. A fresh copy per call: callers may modify it. */
export function loadCrds(): CustomResourceDefinition[] {
  return structuredClone(loaded().crds);
}

/** The apiVersion/kind pairs validateResource knows, e.g. `dapr.io/v2alpha1 Subscription`. */
export function knownResources(): { apiVersion: string; kind: string }[] {
  return [...loaded().byKey.values()].map(({ apiVersion, kind }) => ({ apiVersion, kind }));
}

/**
 * Validates a dapr.io resource (parsed YAML/JSON) against its CRD version's
 * schema. Never mutates `obj`. Errors name the field, e.g.
 * `spec.metadata[0].name: must have required property 'name'`.
 */
export function validateResource(obj: unknown, opts: ValidateOptions = {}): ResourceValidation {
  if (obj === null || typeof obj !== "object" || Array.isArray(obj)) {
    return { ok: false, errors: [`resource must be an object, got ${describe(obj)}`] };
  }
  const { apiVersion, kind } = obj as { apiVersion?: unknown; kind?: unknown };
  const headerErrors: string[] = [];
  if (typeof apiVersion !== "string" || apiVersion === "") headerErrors.push("apiVersion: must be a non-empty string");
  if (typeof kind !== "string" || kind === "") headerErrors.push("kind: must be a non-empty string");
  if (headerErrors.length > 0) return { ok: false, errors: headerErrors };

  const target = loaded().byKey.get(crdKey(apiVersion as string, kind as string));
  if (!target) {
    const known = knownResources().map((r) => `${r.apiVersion} ${r.kind}`).join(", ");
    return { ok: false, errors: [`unknown resource ${apiVersion as string} ${kind as string}; known: ${known}`] };
  }

  const errors = [...metadataErrors((obj as { metadata?: unknown }).metadata)];
  const validate = (target.validate ??= loaded().prebuilt?.[crdKey(target.apiVersion, target.kind)] ?? compile(target.schema));
  if (!validate(obj)) errors.push(...formatAjvErrors(validate.errors ?? []));

  const policy = opts.unknownFields ?? "warn";
  const unknown = policy === "ignore" ? [] : unknownFields(target.schema, obj, "").map((p) => `${p}: unknown field`);
  if (policy === "reject") errors.push(...unknown);
  if (errors.length > 0) return { ok: false, errors: unique(errors) };
  return { ok: true, kind: target.kind, apiVersion: target.apiVersion, warnings: policy === "warn" ? unknown : [] };
}

/** The texts of `crds/*.yaml`, by file name in name order: what the CRDs are parsed from, and what a parse cache answers for. */
export type CrdTexts = [file: string, text: string][];

export function readCrdTexts(dir: string = findCrdsDir()): CrdTexts {
  return readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => [f, readFileSync(path.join(dir, f), "utf8")]);
}

export function parseCrdTexts(texts: CrdTexts): CustomResourceDefinition[] {
  const crds: CustomResourceDefinition[] = [];
  for (const [file, text] of texts) {
    for (const doc of parseAllDocuments(text)) {
      if (doc.errors.length > 0) throw new Error(`${file}: invalid YAML: ${doc.errors[0]!.message}`);
      const value = doc.toJS() as CustomResourceDefinition | null;
      if (value?.kind === "CustomResourceDefinition") crds.push(value);
    }
  }
  return crds;
}

// Parsing the four CRD files with the yaml library takes 40-50 ms of a sidecar's start, even
// with that library already warm, and compiling a kind's schema with ajv ~50 ms more. The build
// writes both done beside the bundle's chunks: the CRDs parsed (`crdParseCache`) and their
// validators compiled (tools/crd-artifacts.ts). Each is used only while the files' texts are
// the ones it was made from, so the YAML stays the one source: an edited CRD is parsed and
// compiled again.
const CRD_CACHE_FILE = "crds.json";
const CRD_VALIDATORS_FILE = "crd-validators.cjs";

export function crdDigest(texts: CrdTexts): string {
  const h = createHash("sha256");
  for (const [file, text] of texts) h.update(file).update("\0").update(text).update("\0");
  return h.digest("hex");
}

/** The parse cache of `texts`, as the build writes it (tools/build-bundle.ts). */
export function crdParseCache(texts: CrdTexts = readCrdTexts()): string {
  return JSON.stringify({ digest: crdDigest(texts), crds: parseCrdTexts(texts) });
}

/** The CRDs from the cache at `cacheFile`, when it was made from the texts of `digest`. */
export function cachedCrds(digest: string, cacheFile: URL | string = new URL(`./${CRD_CACHE_FILE}`, import.meta.url)): CustomResourceDefinition[] | undefined {
  let cached: { digest?: unknown; crds?: unknown };
  try {
    cached = JSON.parse(readFileSync(cacheFile, "utf8")) as typeof cached;
  } catch {
    return undefined;
  }
  return cached.digest === digest && Array.isArray(cached.crds) ? (cached.crds as CustomResourceDefinition[]) : undefined;
}

/** The validators compiled by the build (by crdKey), when made from the texts of `digest`. */
export function prebuiltValidators(digest: string, modulePath = `./${CRD_VALIDATORS_FILE}`): Record<string, ValidateFunction> | undefined {
  let built: { digest?: unknown; byKey?: Record<string, ValidateFunction> };
  try {
    built = requireFromHere(modulePath) as typeof built;
  } catch {
    return undefined;
  }
  return built.digest === digest ? built.byKey : undefined;
}

function loaded(): NonNullable<typeof cache> {
  if (cache) return cache;
  const texts = readCrdTexts();
  const digest = crdDigest(texts);
  const crds = cachedCrds(digest) ?? parseCrdTexts(texts);
  const byKey = new Map<string, ServedVersion>();
  for (const v of servedVersions(structuredClone(crds))) byKey.set(crdKey(v.apiVersion, v.kind), v);
  cache = { crds, byKey, prebuilt: prebuiltValidators(digest) };
  return cache;
}

/** Every served version of `crds` that has a schema. */
export function servedVersions(crds: CustomResourceDefinition[]): ServedVersion[] {
  const out: ServedVersion[] = [];
  for (const crd of crds) {
    for (const version of crd.spec.versions) {
      const schema = version.schema?.openAPIV3Schema;
      if (!version.served || !schema) continue;
      out.push({ apiVersion: `${crd.spec.group}/${version.name}`, kind: crd.spec.names.kind, schema });
    }
  }
  return out;
}

function compile(schema: JsonSchemaProps): ValidateFunction {
  const ajv = (loaded().ajv ??= newCrdAjv());
  return ajv.compile(toAjvSchema(schema, ajv.formats, true));
}

/**
 * Rewrites a Kubernetes structural schema into plain JSON Schema with the
 * same meaning for ajv: int-or-string and nullable become type unions;
 * formats ajv does not know are dropped (Kubernetes ignores them too);
 * `metadata` at the root is left to metadataErrors (the API server validates
 * ObjectMeta itself, not through the CRD schema).
 */
export function toAjvSchema(node: JsonSchemaProps, formats: object /* ajv's, by name */, root = false): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if (k.startsWith("x-kubernetes-") || k === "description" || k === "default" || k === "nullable" || k === "example") continue;
    if (k === "properties") {
      const props: Record<string, unknown> = {};
      for (const [name, child] of Object.entries(v as Record<string, JsonSchemaProps>)) {
        props[name] = root && name === "metadata" ? { type: "object" } : toAjvSchema(child, formats);
      }
      out.properties = props;
    } else if (k === "items" || (k === "additionalProperties" && typeof v === "object")) {
      out[k] = toAjvSchema(v as JsonSchemaProps, formats);
    } else if (k === "allOf" || k === "anyOf" || k === "oneOf") {
      out[k] = (v as JsonSchemaProps[]).map((s) => toAjvSchema(s, formats));
    } else if (k === "not") {
      out.not = toAjvSchema(v as JsonSchemaProps, formats);
    } else if (k === "format") {
      if (typeof v === "string" && v in formats) out.format = v;
    } else {
      out[k] = v;
    }
  }
  if (node["x-kubernetes-int-or-string"]) out.type = ["integer", "string"];
  if (node.nullable && typeof out.type === "string") out.type = [out.type, "null"];
  return out;
}

/** The API server requires a name (or generateName) on every object; Dapr needs the name too. */
function metadataErrors(metadata: unknown): string[] {
  if (metadata === undefined) return ["metadata: must have required property 'metadata'"];
  if (metadata === null || typeof metadata !== "object" || Array.isArray(metadata)) return ["metadata: must be object"];
  const { name, generateName, namespace } = metadata as Record<string, unknown>;
  const errors: string[] = [];
  if (name !== undefined && typeof name !== "string") errors.push("metadata.name: must be string");
  if (namespace !== undefined && typeof namespace !== "string") errors.push("metadata.namespace: must be string");
  if ((name === undefined || name === "") && (typeof generateName !== "string" || generateName === "")) {
    errors.push("metadata.name: must have required property 'name'");
  }
  return errors;
}

export function formatAjvErrors(errors: ErrorObject[]): string[] {
  return errors
    .filter((e) => e.keyword !== "anyOf" && e.keyword !== "oneOf" && e.keyword !== "if")
    .map((e) => {
      const at = pointerToPath(e.instancePath);
      if (e.keyword === "required") {
        const missing = (e.params as { missingProperty: string }).missingProperty;
        return `${joinPath(at, missing)}: ${e.message ?? "is required"}`;
      }
      if (e.keyword === "enum") {
        const allowed = (e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(", ");
        return `${at || "(root)"}: must be one of ${allowed}`;
      }
      return `${at || "(root)"}: ${e.message ?? e.keyword}`;
    });
}

/** `/spec/metadata/0/name` -> `spec.metadata[0].name`. */
function pointerToPath(pointer: string): string {
  if (pointer === "") return "";
  let out = "";
  for (const raw of pointer.slice(1).split("/")) {
    const part = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    out = /^\d+$/.test(part) ? `${out}[${part}]` : joinPath(out, part);
  }
  return out;
}

function joinPath(base: string, field: string): string {
  // Map keys that are not plain identifiers (spaces, dots) are quoted: a["b.c"].
  if (!/^[A-Za-z_$][\w$-]*$/.test(field)) return `${base}[${JSON.stringify(field)}]`;
  return base === "" ? field : `${base}.${field}`;
}

/**
 * Paths of fields the schema does not declare, i.e. those a Kubernetes API
 * server would prune. Stops at nodes that preserve unknown fields, and at the
 * root `metadata` (ObjectMeta is not described by the CRD).
 */
function unknownFields(schema: JsonSchemaProps, value: unknown, at: string): string[] {
  if (schema["x-kubernetes-preserve-unknown-fields"] || value === null || typeof value !== "object") return [];
  if (Array.isArray(value)) {
    if (!schema.items) return [];
    return value.flatMap((v, i) => unknownFields(schema.items!, v, `${at}[${i}]`));
  }
  const found: string[] = [];
  for (const [name, child] of Object.entries(value as Record<string, unknown>)) {
    const childPath = joinPath(at, name);
    const declared = schema.properties?.[name];
    if (declared) {
      if (!(at === "" && name === "metadata")) found.push(...unknownFields(declared, child, childPath));
    } else if (typeof schema.additionalProperties === "object") {
      found.push(...unknownFields(schema.additionalProperties, child, childPath));
    } else if (schema.additionalProperties !== true && schema.properties) {
      found.push(childPath);
    }
  }
  return found;
}

/** How validators are keyed, here and in the build's compiled ones. */
export function crdKey(apiVersion: string, kind: string): string {
  return `${apiVersion}|${kind}`;
}

function unique(list: string[]): string[] {
  return [...new Set(list)];
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value;
}
