// Label and field selectors: the query-string syntax (`a=b,c!=d,e in (x,y),!f`)
// and the structured LabelSelector (matchLabels / matchExpressions).
import type { KubeObject } from "./object-store.js";
import { statusErrors } from "./status.js";

type Requirement = (labels: Record<string, string>) => boolean;

/** Parses a `labelSelector` query value into a predicate on labels; throws a 400 KubeError on bad syntax. */
export function parseLabelSelector(text: string | undefined): Requirement {
  if (!text || !text.trim()) return () => true;
  const reqs = splitTopLevel(text).map(parseRequirement);
  return (labels) => reqs.every((r) => r(labels));
}

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = "";
  for (const ch of text) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      parts.push(cur);
      cur = "";
    } else cur += ch;
  }
  parts.push(cur);
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}

const setRe = /^([A-Za-z0-9_./-]+)\s+(in|notin)\s*\(([^)]*)\)$/;
const cmpRe = /^([A-Za-z0-9_./-]+)\s*(==|=|!=)\s*([A-Za-z0-9_.-]*)$/;
const existsRe = /^(!?)\s*([A-Za-z0-9_./-]+)$/;

function parseRequirement(part: string): Requirement {
  let m = setRe.exec(part);
  if (m) {
    const [, key, op, list] = m;
    const values = list!.split(",").map((v) => v.trim()).filter(Boolean);
    return op === "in" ? (l) => key! in l && values.includes(l[key!]!) : (l) => !(key! in l) || !values.includes(l[key!]!);
  }
  m = cmpRe.exec(part);
  if (m) {
    const [, key, op, value] = m;
    return op === "!=" ? (l) => l[key!] !== value : (l) => l[key!] === value;
  }
  m = existsRe.exec(part);
  if (m) {
    const [, not, key] = m;
    return not ? (l) => !(key! in l) : (l) => key! in l;
  }
  throw statusErrors.badRequest(`unable to parse requirement: found '${part}', expected: in, notin, =, ==, !=, gt, lt`);
}

/** Parses a `fieldSelector` (`metadata.name=x,status.phase!=Running`) into a predicate on objects. */
export function parseFieldSelector(text: string | undefined): (o: KubeObject) => boolean {
  if (!text || !text.trim()) return () => true;
  const reqs = text.split(",").map((p) => p.trim()).filter(Boolean).map((part) => {
    const m = /^([A-Za-z0-9_.]+)\s*(==|=|!=)\s*(.*)$/.exec(part);
    if (!m) throw statusErrors.badRequest(`invalid selector: '${text}'; can't understand '${part}'`);
    const [, path, op, value] = m;
    return (o: KubeObject) => {
      const actual = fieldValue(o, path!);
      return op === "!=" ? actual !== value : actual === value;
    };
  });
  return (o) => reqs.every((r) => r(o));
}

function fieldValue(o: KubeObject, path: string): string {
  let cur: unknown = o;
  for (const seg of path.split(".")) {
    if (cur === null || typeof cur !== "object") return "";
    cur = (cur as Record<string, unknown>)[seg];
  }
  return cur === undefined || cur === null ? "" : String(cur);
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** Evaluates a structured LabelSelector; an empty or missing selector matches everything. */
export function matchesLabelSelector(sel: LabelSelector | undefined | null, labels: Record<string, string> = {}): boolean {
  if (!sel) return true;
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = e.key in labels;
    const values = e.values ?? [];
    switch (e.operator) {
      case "In": if (!has || !values.includes(labels[e.key]!)) return false; break;
      case "NotIn": if (has && values.includes(labels[e.key]!)) return false; break;
      case "Exists": if (!has) return false; break;
      case "DoesNotExist": if (has) return false; break;
      default: return false;
    }
  }
  return true;
}
