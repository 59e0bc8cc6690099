// Reads dapr.io resources from the `--resources-path` folders: every *.yaml,
// *.yml and *.json file, multi-document YAML allowed. Each document is checked
// against its CRD's schema; an invalid document is reported (naming the file
// and field) and skipped, so one bad file does not hide the good ones.
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { parseAllDocuments } from "yaml";
import { validateResource } from "./crd-schema.js";
import { emptyResourceSet, type DaprResource, type ResourceSet } from "./types.js";

export function loadResourcesFromPaths(paths: string[]): ResourceSet {
  const set = emptyResourceSet();
  for (const dir of paths) {
    for (const file of listResourceFiles(dir, set.errors)) {
      let text: string;
      try {
        text = readFileSync(file, "utf8");
      } catch (err) {
        set.errors.push(`${file}: cannot read: ${(err as Error).message}`);
        continue;
      }
      addDocuments(set, file, text);
    }
  }
  return set;
}

function listResourceFiles(dir: string, errors: string[]): string[] {
  let st;
  try {
    st = statSync(dir);
  } catch {
    errors.push(`${dir}: resources path does not exist`);
    return [];
  }
  if (st.isFile()) return [dir];
  return readdirSync(dir)
    .filter((f) => /\.(ya?ml|json)$/i.test(f))
    .sort()
    .map((f) => path.join(dir, f));
}

/** Parses one file's documents into the set. Exported for tests and for in-memory sources. */
export function addDocuments(set: ResourceSet, source: string, text: string): void {
  const docs = parseAllDocuments(text);
  docs.forEach((doc, i) => {
    const where = docs.length > 1 ? `${source} (document ${i + 1})` : source;
    if (doc.errors.length > 0) {
      set.errors.push(`${where}: invalid YAML: ${doc.errors[0]!.message}`);
      return;
    }
    const obj = doc.toJS() as unknown;
    if (obj === null || obj === undefined) return; // empty document between separators
    addResource(set, where, obj);
  });
}

export function addResource(set: ResourceSet, where: string, obj: unknown): void {
  const kind = (obj as { kind?: unknown })?.kind;
  // Files in a resources folder may hold other things (Dapr ignores unknown kinds).
  if (!["Component", "Subscription", "Resiliency", "Configuration"].includes(String(kind))) return;
  const result = validateResource(obj);
  if (!result.ok) {
    const name = (obj as { metadata?: { name?: string } }).metadata?.name ?? "?";
    set.errors.push(`${where}: ${kind} '${name}' is invalid: ${result.errors.join("; ")}`);
    return;
  }
  const resource = obj as DaprResource;
  const sourced = { resource, source: where } as never;
  switch (resource.kind) {
    case "Component": set.components.push(sourced); break;
    case "Subscription": set.subscriptions.push(sourced); break;
    case "Resiliency": set.resiliencies.push(sourced); break;
    case "Configuration": set.configurations.push(sourced); break;
  }
}
