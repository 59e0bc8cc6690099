// `x-kubernetes-validations` rules of CRD schemas, evaluated with CEL
// (@marcbachmann/cel-js) the way the real server does: `self` is the value at
// the rule's schema node, `oldSelf` the previous value on update (rules that
// use it are skipped on create), integers are CEL ints, and a failed rule
// becomes a 422 cause at the node's field path.
import { parse } from "@marcbachmann/cel-js";
import type { StatusCause } from "./status.js";

type Schema = Record<string, unknown>;
type Program = ReturnType<typeof parse>;

interface ValidationRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  reason?: string;
  fieldPath?: string;
}

const programs = new Map<string, Program | Error>();

function compile(rule: string): Program | Error {
  let p = programs.get(rule);
  if (!p) {
    try {
      p = parse(rule);
    } catch (e) {
      p = e instanceof Error ? e : new Error(String(e));
    }
    programs.set(rule, p);
  }
  return p;
}

/** Problems with the rules of a schema (for CRD validation): rules that do not parse. */
export function celRuleProblems(schema: unknown, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  walkSchemas(schema as Schema, path, (s, at) => {
    ((s["x-kubernetes-validations"] as ValidationRule[] | undefined) ?? []).forEach((r, i) => {
      const p = compile(r.rule ?? "");
      if (p instanceof Error) {
        causes.push({ reason: "FieldValueInvalid", message: `Invalid value: ${JSON.stringify(r.rule)}: compilation failed: ${p.message.split("\n")[0]}`, field: `${at}.x-kubernetes-validations[${i}].rule` });
      }
    });
  });
  return causes;
}

function walkSchemas(schema: Schema | undefined, path: string, visit: (s: Schema, path: string) => void): void {
  if (!schema || typeof schema !== "object") return;
  visit(schema, path);
  for (const [k, s] of Object.entries((schema.properties as Record<string, Schema> | undefined) ?? {})) walkSchemas(s, `${path}.properties[${k}]`, visit);
  if (schema.items && typeof schema.items === "object") walkSchemas(schema.items as Schema, `${path}.items`, visit);
  if (schema.additionalProperties && typeof schema.additionalProperties === "object") walkSchemas(schema.additionalProperties as Schema, `${path}.additionalProperties`, visit);
}

/** JSON to CEL values: integer-typed numbers become BigInt (CEL int), everything else as is. */
function toCel(value: unknown, schema: Schema | undefined): unknown {
  if (value === null || value === undefined || !schema) return value;
  if (schema.type === "integer" && typeof value === "number" && Number.isInteger(value)) return BigInt(value);
  if (Array.isArray(value)) return value.map((v) => toCel(v, schema.items as Schema | undefined));
  if (typeof value === "object") {
    const props = (schema.properties as Record<string, Schema> | undefined) ?? {};
    const additional = typeof schema.additionalProperties === "object" ? (schema.additionalProperties as Schema) : undefined;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = toCel(v, props[k] ?? additional);
    return out;
  }
  return value;
}

function typeName(v: unknown): string {
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return v === null ? "null" : typeof v;
}

/** Evaluates every rule in `schema` against `value` (and `oldValue` on update); returns 422 causes. */
export function evaluateCelRules(value: unknown, schema: Schema | undefined, oldValue?: unknown, path = ""): StatusCause[] {
  if (!schema || value === undefined) return [];
  const causes: StatusCause[] = [];
  const rules = (schema["x-kubernetes-validations"] as ValidationRule[] | undefined) ?? [];
  for (const r of rules) {
    const usesOld = /\boldSelf\b/.test(r.rule);
    if (usesOld && oldValue === undefined) continue; // transition rules only apply to updates
    const program = compile(r.rule);
    const field = r.fieldPath ? `${path}${r.fieldPath.startsWith(".") ? "" : "."}${r.fieldPath}`.replace(/^\./, "") : path;
    let ok: unknown;
    let failure: string | undefined;
    if (program instanceof Error) failure = `compilation failed: ${program.message.split("\n")[0]}`;
    else {
      try {
        ok = program({ self: toCel(value, schema), ...(usesOld ? { oldSelf: toCel(oldValue, schema) } : {}) });
      } catch (e) {
        failure = `evaluation failed: ${(e as Error).message.split("\n")[0]}`;
      }
    }
    if (failure || ok !== true) {
      const message = failure ?? r.message ?? `failed rule: ${r.rule}`;
      causes.push({ reason: r.reason ?? "FieldValueInvalid", message: `Invalid value: "${typeName(value)}": ${message}`, field });
    }
  }
  if (value !== null && typeof value === "object") {
    if (Array.isArray(value)) {
      const items = schema.items as Schema | undefined;
      value.forEach((v, i) => causes.push(...evaluateCelRules(v, items, undefined, `${path}[${i}]`)));
    } else {
      const props = (schema.properties as Record<string, Schema> | undefined) ?? {};
      const additional = typeof schema.additionalProperties === "object" ? (schema.additionalProperties as Schema) : undefined;
      const old = oldValue && typeof oldValue === "object" && !Array.isArray(oldValue) ? (oldValue as Record<string, unknown>) : undefined;
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (path === "" && k === "metadata") continue;
        const s = props[k] ?? additional;
        if (s) causes.push(...evaluateCelRules(v, s, old?.[k], path ? `${path}.${k}` : k));
      }
    }
  }
  return causes;
}
