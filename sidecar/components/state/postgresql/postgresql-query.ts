// Translates the state query API (v1.0-alpha1) into SQL over the jsonb value
// column, as Dapr's PostgreSQL v1 store does: a field path "a.b" becomes
// value->'a'->>'b'; EQ/NEQ/IN compare the field's text; page tokens are offsets.
// Where Dapr is loose this is stricter: field names are quoted safely, range
// filters compare numbers as numbers, sorting uses jsonb order with the key as
// a tie-breaker (so pages are stable), and only the caller's keys and
// unexpired rows are returned.
import type { Query, QueryFilter } from "../state-store.js";

export interface BuiltQuery {
  text: string;
  params: unknown[];
  limit: number;
  skip: number;
}

const COMPARE = { EQ: "=", NEQ: "!=", GT: ">", GTE: ">=", LT: "<", LTE: "<=" } as const;
type CompareOp = keyof typeof COMPARE;

export function buildQuery(q: Query, tableName: string, keyPrefix: string): BuiltQuery {
  if (typeof q !== "object" || q === null) throw new Error("query must be an object");
  const params: unknown[] = [];
  const param = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const where = [`key LIKE ${param(escapeLike(keyPrefix) + "%")} ESCAPE '\\'`, `(expiredate IS NULL OR expiredate >= CURRENT_TIMESTAMP)`];
  if (q.filter !== undefined && !(typeof q.filter === "object" && Object.keys(q.filter).length === 0)) where.push(filterSql(q.filter, param));

  let text = `SELECT key, value::text AS value, isbinary, xmin::text AS etag FROM ${tableName} WHERE ${where.join(" AND ")}`;
  const order = (q.sort ?? []).map((s, i) => {
    if (!s || typeof s.key !== "string") throw new Error(`sort[${i}] needs a string 'key'`);
    const dir = (s.order ?? "ASC").toUpperCase();
    if (dir !== "ASC" && dir !== "DESC") throw new Error(`sort[${i}].order must be ASC or DESC, got '${s.order}'`);
    return `${fieldJson(s.key)} ${dir}`;
  });
  text += ` ORDER BY ${[...order, "key ASC"].join(", ")}`;

  const limit = q.page?.limit ?? 0;
  if (!Number.isInteger(limit) || limit < 0) throw new Error(`page.limit must be a non-negative integer, got '${String(limit)}'`);
  if (limit > 0) text += ` LIMIT ${limit}`;
  let skip = 0;
  const token = q.page?.token;
  if (token !== undefined && token !== "") {
    if (typeof token !== "string" || !/^\d+$/.test(token)) throw new Error(`invalid page token '${String(token)}': must be a number`);
    skip = Number(token);
    text += ` OFFSET ${skip}`;
  }
  return { text, params, limit, skip };
}

function filterSql(f: QueryFilter, param: (v: unknown) => string): string {
  if (typeof f !== "object" || f === null || Array.isArray(f)) throw new Error("a query filter must be an object");
  const ops = Object.keys(f);
  if (ops.length !== 1) throw new Error(`a query filter needs exactly one operator, got ${ops.length ? ops.join(", ") : "none"}`);
  const op = ops[0]!;
  const arg = (f as Record<string, unknown>)[op];
  if (op === "AND" || op === "OR") {
    if (!Array.isArray(arg) || arg.length === 0) throw new Error(`${op} filter needs a non-empty array of filters`);
    return `(${arg.map((sub) => filterSql(sub as QueryFilter, param)).join(` ${op} `)})`;
  }
  const [field, value] = singleField(op, arg);
  if (op === "IN") {
    if (!Array.isArray(value) || value.length === 0) throw new Error(`IN filter for '${field}' needs a non-empty array`);
    return `(${value.map((v) => equality(field, v, "=", param)).join(" OR ")})`;
  }
  if (!(op in COMPARE)) throw new Error(`unsupported query filter operator '${op}'`);
  const sqlOp = COMPARE[op as CompareOp];
  if (op === "EQ" || op === "NEQ") return equality(field, value, sqlOp, param);
  if (typeof value !== "number" || !Number.isFinite(value)) throw new Error(`${op} filter for '${field}' needs a number, got ${JSON.stringify(value)}`);
  return `(jsonb_typeof(${fieldJson(field)}) = 'number' AND ${fieldJson(field)} ${sqlOp} ${param(JSON.stringify(value))}::jsonb)`;
}

function singleField(op: string, arg: unknown): [string, unknown] {
  if (typeof arg !== "object" || arg === null || Array.isArray(arg)) throw new Error(`${op} filter must be an object like {"field": value}`);
  const entries = Object.entries(arg);
  if (entries.length !== 1) throw new Error(`${op} filter must name exactly one field, got ${entries.length}`);
  return entries[0]!;
}

function equality(field: string, value: unknown, sqlOp: string, param: (v: unknown) => string): string {
  if (value === null) return `${fieldText(field)} IS ${sqlOp === "=" ? "" : "NOT "}NULL`;
  if (typeof value === "object") return `${fieldJson(field)} ${sqlOp} ${param(JSON.stringify(value))}::jsonb`;
  return `${fieldText(field)} ${sqlOp} ${param(String(value))}`;
}

function pathParts(field: string): string[] {
  const parts = field.split(".");
  if (field === "" || parts.some((p) => p === "")) throw new Error(`invalid field path '${field}'`);
  return parts.map((p) => `'${p.replace(/'/g, "''")}'`);
}

/** value->'a'->'b': the field as jsonb. */
function fieldJson(field: string): string {
  return `value->${pathParts(field).join("->")}`;
}

/** value->'a'->>'b': the field as text. */
function fieldText(field: string): string {
  const parts = pathParts(field);
  const last = parts.pop()!;
  return `value${parts.map((p) => `->${p}`).join("")}->>${last}`;
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, "\\$&");
}
