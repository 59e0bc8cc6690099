// Renders the charts/dapr-ts Helm chart without Helm: each template goes
// through Go's own text/template engine (the @evertdespiegeleer/go-template
// WASM build), with the data Helm would give it (.Values merged over
// values.yaml, .Release, .Chart). The templates use plain Go-template
// constructs only, so what renders here renders the same in Helm.
//
// Like `helm install`, values are validated against values.schema.json first,
// and the chart's crds/ folder is returned apart (Helm applies it before the
// templates, without templating). Used by the chart tests and by end-to-end
// tests that apply the rendered objects to the Kubernetes API double.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse as renderGoTemplate } from "@evertdespiegeleer/go-template";
import { Ajv, type ErrorObject } from "ajv";
import { parse as parseYaml, parseAllDocuments } from "yaml";

export const CHART_DIR = fileURLToPath(new URL("../../charts/dapr-ts/", import.meta.url));

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

export interface RenderOptions {
  /** Overrides merged over values.yaml the way Helm merges `-f`/`--set` (maps deep-merged, null deletes a key). */
  values?: Record<string, unknown>;
  releaseName?: string;
  namespace?: string;
}

export interface RenderedChart {
  /** The chart's crds/*.yaml, parsed; apply these first. */
  crds: KubeObject[];
  /** Every object rendered from templates/, in template file order. */
  objects: KubeObject[];
  /** The rendered text of each template (for debugging and text assertions). */
  manifests: { template: string; text: string }[];
  /** The merged values the templates saw. */
  values: Record<string, unknown>;
}

interface ChartYaml {
  apiVersion: string;
  name: string;
  version: string;
  appVersion?: string;
  description?: string;
  type?: string;
}

export function loadChartYaml(): ChartYaml {
  return parseYaml(readFileSync(path.join(CHART_DIR, "Chart.yaml"), "utf8")) as ChartYaml;
}

export function loadDefaultValues(): Record<string, unknown> {
  return parseYaml(readFileSync(path.join(CHART_DIR, "values.yaml"), "utf8")) as Record<string, unknown>;
}

/** Helm's coalescing of user values over chart defaults. */
export function mergeValues(base: Record<string, unknown>, override: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = structuredClone(base);
  for (const [key, value] of Object.entries(override)) {
    if (value === null) {
      delete out[key];
    } else if (isPlainObject(value) && isPlainObject(out[key])) {
      out[key] = mergeValues(out[key] as Record<string, unknown>, value);
    } else {
      out[key] = structuredClone(value);
    }
  }
  return out;
}

/** Renders the chart; throws an Error naming the template (or the bad value) when something is wrong. */
export async function renderChart(opts: RenderOptions = {}): Promise<RenderedChart> {
  const chart = loadChartYaml();
  const values = mergeValues(loadDefaultValues(), opts.values ?? {});
  validateValues(values);

  const namespace = opts.namespace ?? "dapr-system";
  const context = {
    Values: values,
    Release: { Name: opts.releaseName ?? "dapr-ts", Namespace: namespace, Service: "Helm", IsInstall: true, IsUpgrade: false, Revision: 1 },
    Chart: { Name: chart.name, Version: chart.version, AppVersion: chart.appVersion ?? "", Description: chart.description ?? "", Type: chart.type ?? "application" },
  };

  const templatesDir = path.join(CHART_DIR, "templates");
  // Helm renders *.yaml/*.yml/*.tpl; files starting with "_" hold only definitions, NOTES.txt is printed, not applied.
  const templates = readdirSync(templatesDir).filter((f) => /\.ya?ml$/.test(f) && !f.startsWith("_")).sort();
  const manifests: RenderedChart["manifests"] = [];
  const objects: KubeObject[] = [];
  for (const file of templates) {
    const source = readFileSync(path.join(templatesDir, file), "utf8");
    let text: string;
    try {
      text = await renderGoTemplate(source, context);
    } catch (err) {
      throw new Error(`templates/${file}: ${(err as Error).message || (err as Error).name}`);
    }
    manifests.push({ template: file, text });
    objects.push(...parseManifest(`templates/${file}`, text));
  }
  const crds = readdirSync(path.join(CHART_DIR, "crds"))
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .flatMap((f) => parseManifest(`crds/${f}`, readFileSync(path.join(CHART_DIR, "crds", f), "utf8")));
  return { crds, objects, manifests, values };
}

function parseManifest(where: string, text: string): KubeObject[] {
  if (text.includes("<no value>")) throw new Error(`${where}: rendered "<no value>" (a value the template reads is missing)`);
  const out: KubeObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`${where}: rendered invalid YAML: ${doc.errors[0]!.message}`);
    const obj = doc.toJS() as KubeObject | null;
    if (obj === null || obj === undefined) continue; // empty document, e.g. a disabled `if`
    if (typeof obj.apiVersion !== "string" || typeof obj.kind !== "string" || typeof obj.metadata?.name !== "string") {
      throw new Error(`${where}: rendered a document without apiVersion, kind and metadata.name`);
    }
    out.push(obj);
  }
  return out;
}

let valuesValidator: ((v: unknown) => ErrorObject[]) | undefined;

function validateValues(values: Record<string, unknown>): void {
  if (!valuesValidator) {
    const schema = JSON.parse(readFileSync(path.join(CHART_DIR, "values.schema.json"), "utf8")) as object;
    const validate = new Ajv({ allErrors: true, strict: false, logger: false }).compile(schema);
    valuesValidator = (v) => (validate(v) ? [] : (validate.errors ?? []));
  }
  const errors = valuesValidator(values);
  if (errors.length === 0) return;
  const lines = errors.map((e) => {
    const at = e.instancePath.slice(1).replace(/\//g, ".");
    if (e.keyword === "additionalProperties") return `${at ? at + "." : ""}${(e.params as { additionalProperty: string }).additionalProperty}: unknown value`;
    if (e.keyword === "required") return `${at ? at + "." : ""}${(e.params as { missingProperty: string }).missingProperty}: is required`;
    if (e.keyword === "enum") return `${at}: must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(", ")}`;
    return `${at || "(root)"}: ${e.message ?? e.keyword}`;
  });
  throw new Error(`invalid chart values: ${[...new Set(lines)].join("; ")}`);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}
