// Translates the state query API (v1.0-alpha1) into SQLite SQL over the JSON
// text in the `value` column. Dapr's own SQLite store has no query API; ours
// offers one on purpose, because SQLite is the embedded default and apps that
// query (e.g. "orders of a customer, newest first") should run on it unchanged.
//
// Semantics follow our PostgreSQL v1 store (postgresql-query.ts) so a query
// gives the same rows on either:
// - A field path "a.b" is relative to the stored JSON value, as in Dapr's SQL
//   stores (a leading "value." is not stripped: it names a field "value").
// - Only rows under the caller's key prefix that have not expired are seen.
// - Binary values (and any text that is not valid JSON) never match a filter.
// - Comparisons are typed: a number matches numbers numerically, a string
//   matches strings (byte order), a boolean matches that boolean. GT/GTE/LT/LTE
//   take a number or a string (ISO timestamps compare correctly as strings).
// - Sort follows jsonb's type order (null < string < number < boolean < array
//   < object), missing fields sort as the greatest, and the key breaks ties so
//   offset-based pages are stable. Page tokens are offsets, as in Dapr's SQL stores.
//
// Injection safety: no caller text ever reaches the SQL text. Values, JSON
// paths and the key prefix are bound parameters; field paths must also match
// a strict pattern so the JSON path syntax itself cannot be abused; limit and
// offset are validated integers. Only the table name (a validated identifier
// from component metadata) is spliced in.
import type { Query, QueryFilter } from "../state-store.js";

export type SqlParam = string | number;

export interface BuiltSqliteQuery {
  text: string;
  params: SqlParam[];
  /** 0 means no limit. */
  limit: number;
  skip: number;
}

/** Dot-separated segments of letters, digits, '_' and '-'; anything else is refused. */
const FIELD_PATH = /^[\p{L}\p{N}_-]+(?:\.[\p{L}\p{N}_-]+)*$/u;
const MAX_FIELD_LENGTH = 256;
/** Deeper AND/OR nesting than any real query needs; refused before SQLite's own expression limit. */
const MAX_FILTER_DEPTH = 32;

const RANGE = { GT: ">", GTE: ">=", LT: "<", LTE: "<=" } as const;
type RangeOp = keyof typeof RANGE;

// The type of a field, and its value as SQLite sees it (strings as TEXT,
// numbers as INTEGER/REAL, booleans as 1/0, objects and arrays as JSON TEXT).
const TYPE = "json_type(doc, ?)";
const VALUE = "json_extract(doc, ?)";
const NUMBER_TYPES = `('integer', 'real')`;
// jsonb's order of types; a missing field (or a binary value) is last, like SQL NULL in PostgreSQL.
const TYPE_RANK =
  `CASE ${TYPE} WHEN 'null' THEN 0 WHEN 'text' THEN 1 WHEN 'integer' THEN 2 WHEN 'real' THEN 2 ` +
  `WHEN 'false' THEN 3 WHEN 'true' THEN 3 WHEN 'array' THEN 4 WHEN 'object' THEN 5 ELSE 6 END`;

/** Builds the SELECT for `q`; throws an Error naming the problem for a malformed query. */
export function buildSqliteQuery(q: Query, tableName: string, keyPrefix: string, notExpired: string): BuiltSqliteQuery {
  if (typeof q !== "object" || q === null || Array.isArray(q)) throw new Error("query must be an object");
  // Parameters must be pushed in the order their '?' appear in the text, so the
  // statement is assembled front to back.
  const params: SqlParam[] = [];
  const sql = new SqlBuilder(params);

  // `doc` is the value when it is JSON, else NULL: json_* functions raise on
  // malformed JSON, and base64 text must never be matched as if it were JSON.
  let text =
    `SELECT key, value, is_binary, etag FROM (` +
    `SELECT key, value, is_binary, etag, CASE WHEN is_binary = 0 AND json_valid(value) THEN value END AS doc ` +
    `FROM ${tableName} WHERE substr(key, 1, length(?)) = ? AND ${notExpired})`;
  params.push(keyPrefix, keyPrefix);

  const filter = q.filter;
  const emptyFilter = typeof filter === "object" && filter !== null && !Array.isArray(filter) && Object.keys(filter).length === 0;
  if (filter !== undefined && !emptyFilter) text += ` WHERE ${sql.filter(filter, "filter", 0)}`;

  if (q.sort !== undefined && !Array.isArray(q.sort)) throw new Error("query sort must be an array");
  const order = (q.sort ?? []).map((s, i) => {
    if (typeof s !== "object" || s === null || typeof s.key !== "string") throw new Error(`sort[${i}] needs a string 'key'`);
    const dir = typeof s.order === "string" ? s.order.toUpperCase() : s.order === undefined ? "ASC" : "";
    if (dir !== "ASC" && dir !== "DESC") throw new Error(`sort[${i}].order must be ASC or DESC, got '${String(s.order)}'`);
    return sql.sortKey(s.key, dir, `sort[${i}].key`);
  });
  text += ` ORDER BY ${[...order, "key ASC"].join(", ")}`;

  const { limit, skip } = paging(q.page);
  // SQLite reads a negative LIMIT as "no limit".
  text += ` LIMIT ? OFFSET ?`;
  params.push(limit > 0 ? limit : -1, skip);
  return { text, params, limit, skip };
}

/** The SQLite JSON path for a validated field path: each segment quoted, e.g. $."person"."org". */
export function jsonPath(field: unknown, where = "field"): string {
  if (typeof field !== "string" || field.length > MAX_FIELD_LENGTH || !FIELD_PATH.test(field)) {
    const shown = typeof field === "string" ? `'${field.slice(0, 64)}${field.length > 64 ? "..." : ""}'` : JSON.stringify(field);
    throw new Error(`invalid ${where} ${shown}: a field path is dot-separated names of letters, digits, '_' or '-' (at most ${MAX_FIELD_LENGTH} characters)`);
  }
  return "$" + field.split(".").map((segment) => `."${segment}"`).join("");
}

function paging(page: Query["page"]): { limit: number; skip: number } {
  if (page === undefined) return { limit: 0, skip: 0 };
  if (typeof page !== "object" || page === null) throw new Error("query page must be an object");
  const limit = page.limit ?? 0;
  if (typeof limit !== "number" || !Number.isSafeInteger(limit) || limit < 0) {
    throw new Error(`page.limit must be a non-negative integer, got '${String(limit)}'`);
  }
  const token = page.token;
  if (token === undefined || token === "") return { limit, skip: 0 };
  if (typeof token !== "string" || !/^\d{1,15}$/.test(token)) {
    throw new Error(`invalid page token '${String(token).slice(0, 64)}': expected the token of a previous page (a number)`);
  }
  return { limit, skip: Number(token) };
}

class SqlBuilder {
  constructor(private readonly params: SqlParam[]) {}

  filter(f: QueryFilter, where: string, depth: number): string {
    if (depth > MAX_FILTER_DEPTH) throw new Error(`${where}: filters nest deeper than ${MAX_FILTER_DEPTH} levels`);
    if (typeof f !== "object" || f === null || Array.isArray(f)) throw new Error(`${where} must be an object`);
    const ops = Object.keys(f);
    if (ops.length !== 1) throw new Error(`${where} needs exactly one operator, got ${ops.length ? ops.join(", ") : "none"}`);
    const op = ops[0]!;
    const arg = (f as Record<string, unknown>)[op];
    if (op === "AND" || op === "OR") {
      if (!Array.isArray(arg) || arg.length === 0) throw new Error(`${where}.${op} needs a non-empty array of filters`);
      return `(${arg.map((sub, i) => this.filter(sub as QueryFilter, `${where}.${op}[${i}]`, depth + 1)).join(` ${op} `)})`;
    }
    if (op !== "EQ" && op !== "NEQ" && op !== "IN" && !(op in RANGE)) {
      throw new Error(`${where}: unsupported query filter operator '${op}'; expected EQ, NEQ, GT, GTE, LT, LTE, IN, AND or OR`);
    }
    if (typeof arg !== "object" || arg === null || Array.isArray(arg)) throw new Error(`${where}.${op} must be an object like {"field": value}`);
    const entries = Object.entries(arg);
    if (entries.length !== 1) throw new Error(`${where}.${op} must name exactly one field, got ${entries.length}`);
    const [field, value] = entries[0]!;
    const path = jsonPath(field, `${where}.${op} field`);
    if (op === "IN") {
      if (!Array.isArray(value) || value.length === 0) throw new Error(`${where}.IN for '${field}' needs a non-empty array of values`);
      return `(${value.map((v) => this.equals(path, v, `${where}.IN '${field}'`)).join(" OR ")})`;
    }
    if (op === "EQ") return this.equals(path, value, `${where}.EQ '${field}'`);
    if (op === "NEQ") return this.notEquals(path, value, `${where}.NEQ '${field}'`);
    return this.range(path, RANGE[op as RangeOp], value, `${where}.${op} '${field}'`);
  }

  sortKey(field: string, dir: "ASC" | "DESC", where: string): string {
    const path = jsonPath(field, where);
    return `${this.expr(TYPE_RANK, path)} ${dir}, ${this.expr(VALUE, path)} ${dir}`;
  }

  /** A JSON null also matches a missing field (as `->> IS NULL` does in PostgreSQL), but never a binary value. */
  private equals(path: string, value: unknown, where: string): string {
    if (value === null) return `(doc IS NOT NULL AND (${this.expr(TYPE, path)} IS NULL OR ${this.expr(TYPE, path)} = 'null'))`;
    if (typeof value === "boolean") return `${this.expr(TYPE, path)} = '${value}'`;
    if (typeof value === "number") return `(${this.expr(TYPE, path)} IN ${NUMBER_TYPES} AND ${this.expr(VALUE, path)} = ${this.bind(value)})`;
    if (typeof value === "string") return `(${this.expr(TYPE, path)} = 'text' AND ${this.expr(VALUE, path)} = ${this.bind(value)})`;
    throw new Error(`${where}: compares a string, number, boolean or null, got ${describe(value)}`);
  }

  /** Needs a present, non-null field (as `->> !=` does in PostgreSQL): a missing field is not "not equal". */
  private notEquals(path: string, value: unknown, where: string): string {
    const present = `(${this.expr(TYPE, path)} IS NOT NULL AND ${this.expr(TYPE, path)} != 'null')`;
    if (value === null) return present;
    return `(${present} AND NOT ${this.equals(path, value, where)})`;
  }

  private range(path: string, sqlOp: string, value: unknown, where: string): string {
    if (typeof value === "number") return `(${this.expr(TYPE, path)} IN ${NUMBER_TYPES} AND ${this.expr(VALUE, path)} ${sqlOp} ${this.bind(value)})`;
    if (typeof value === "string") return `(${this.expr(TYPE, path)} = 'text' AND ${this.expr(VALUE, path)} ${sqlOp} ${this.bind(value)})`;
    throw new Error(`${where}: needs a number or a string, got ${describe(value)}`);
  }

  /** `template` with each '?' bound to the JSON path, in order. */
  private expr(template: string, path: string): string {
    for (let i = template.indexOf("?"); i >= 0; i = template.indexOf("?", i + 1)) this.params.push(path);
    return template;
  }

  private bind(v: SqlParam): string {
    if (typeof v === "number" && !Number.isFinite(v)) throw new Error(`query values must be finite numbers, got ${v}`);
    this.params.push(v);
    return "?";
  }
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return "an array";
  if (typeof v === "object" && v !== null) return "an object";
  return typeof v;
}
