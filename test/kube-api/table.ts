// `Accept: application/json;as=Table;g=meta.k8s.io;v=v1`: the server-side
// printing kubectl asks for. Custom resources get their
// additionalPrinterColumns; everything else gets NAME and AGE.
import type { KubeObject } from "./object-store.js";
import type { PrinterColumn, ResourceType } from "./resource-types.js";

/** kubectl's human-readable durations: 45s, 3m12s, 2h5m, 4d, ... */
export function humanDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 0) return "0s";
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (h < 192) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  if (d < 365 * 2) return `${d}d`;
  const y = Math.floor(d / 365);
  return d % 365 === 0 || y >= 8 ? `${y}y` : `${y}y${d % 365}d`;
}

/**
 * The JSONPath subset printer columns use: `.a.b`, `.a[0]`, `.a[*].b` and
 * filters like `.status.conditions[?(@.type=="Ready")].status`.
 */
export function evalJsonPath(obj: unknown, path: string): unknown[] {
  const tokens = path.replace(/^\{|\}$/g, "").match(/\.[^.[\]]+|\[[^\]]*\]/g) ?? [];
  let current: unknown[] = [obj];
  for (const tok of tokens) {
    const next: unknown[] = [];
    for (const v of current) {
      if (v === null || typeof v !== "object") continue;
      if (tok.startsWith(".")) {
        const key = tok.slice(1);
        if (key in (v as object)) next.push((v as Record<string, unknown>)[key]);
        continue;
      }
      const inner = tok.slice(1, -1);
      if (!Array.isArray(v)) continue;
      if (inner === "*") next.push(...v);
      else if (/^\d+$/.test(inner)) { if (Number(inner) < v.length) next.push(v[Number(inner)]); }
      else {
        const f = /^\?\(@\.([\w.-]+)\s*==\s*["']?([^"']*)["']?\)$/.exec(inner);
        if (f) next.push(...v.filter((x) => x && typeof x === "object" && String((x as Record<string, unknown>)[f[1]!]) === f[2]));
      }
    }
    current = next;
  }
  return current;
}

function cell(col: PrinterColumn, obj: KubeObject): unknown {
  const values = evalJsonPath(obj, col.jsonPath);
  if (values.length === 0) return null;
  const v = values[0];
  if (col.type === "date" && typeof v === "string") {
    const t = Date.parse(v);
    return Number.isNaN(t) ? v : humanDuration(Date.now() - t);
  }
  if (typeof v === "object" && v !== null) return JSON.stringify(v);
  return v;
}

const nameColumn = { name: "Name", type: "string", format: "name", description: "Name must be unique within a namespace.", priority: 0 };
const ageColumn: PrinterColumn = { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp", description: "CreationTimestamp is a timestamp representing the server time when this object was created.", priority: 0 };

function columnsFor(t: ResourceType, version: string): PrinterColumn[] {
  const custom = t.custom?.printerColumns.get(version);
  return custom && custom.length > 0 ? custom : [ageColumn];
}

function rowObject(o: KubeObject, includeObject: string): unknown {
  if (includeObject === "None") return undefined;
  if (includeObject === "Object") return o;
  return { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: o.metadata };
}

export function toTable(t: ResourceType, version: string, items: KubeObject[], resourceVersion: string, includeObject = "Metadata"): unknown {
  const cols = columnsFor(t, version);
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata: { resourceVersion },
    columnDefinitions: [nameColumn, ...cols.map((c) => ({ name: c.name, type: c.type, format: c.format ?? "", description: c.description ?? "", priority: c.priority ?? 0 }))],
    rows: items.map((o) => ({ cells: [o.metadata.name, ...cols.map((c) => cell(c, o))], object: rowObject(o, includeObject) })),
  };
}

/** Does this Accept header ask for a Table? */
export function wantsTable(accept: string | undefined): boolean {
  return !!accept && accept.split(",")[0]!.includes("as=Table");
}
