// Checks a state query (v1.0-alpha1) before it reaches a store, so a malformed
// one is a 400 with a message naming the problem, never a store crash.
import { Errors } from "../../errors/catalog.js";
import type { Query, QueryFilter } from "../../components/state/state-store.js";

const comparisons = ["EQ", "NEQ", "GT", "GTE", "LT", "LTE", "IN"];

export function validateQuery(q: unknown): Query {
  if (typeof q !== "object" || q === null || Array.isArray(q)) throw Errors.malformedRequest("query must be a JSON object");
  const { filter, sort, page } = q as Record<string, unknown>;
  if (filter !== undefined) validateFilter(filter, "filter");
  if (sort !== undefined) {
    if (!Array.isArray(sort)) throw Errors.malformedRequest("query sort must be an array");
    sort.forEach((s, i) => {
      const item = s as { key?: unknown; order?: unknown };
      if (typeof item?.key !== "string" || item.key === "") throw Errors.malformedRequest(`query sort[${i}].key must be a non-empty string`);
      if (item.order !== undefined && item.order !== "ASC" && item.order !== "DESC") {
        throw Errors.malformedRequest(`query sort[${i}].order must be ASC or DESC`);
      }
    });
  }
  if (page !== undefined) {
    const p = page as { limit?: unknown; token?: unknown };
    if (typeof p !== "object" || p === null) throw Errors.malformedRequest("query page must be an object");
    if (p.limit !== undefined && (typeof p.limit !== "number" || !Number.isInteger(p.limit) || p.limit < 0)) {
      throw Errors.malformedRequest("query page.limit must be a non-negative integer");
    }
    if (p.token !== undefined && typeof p.token !== "string") throw Errors.malformedRequest("query page.token must be a string");
  }
  return q as Query;
}

function validateFilter(f: unknown, path: string): asserts f is QueryFilter {
  if (typeof f !== "object" || f === null || Array.isArray(f)) throw Errors.malformedRequest(`${path} must be an object`);
  const ops = Object.keys(f);
  if (ops.length !== 1) throw Errors.malformedRequest(`${path} must have exactly one operation, got ${ops.length}`);
  const op = ops[0]!;
  const arg = (f as Record<string, unknown>)[op];
  if (op === "AND" || op === "OR") {
    if (!Array.isArray(arg) || arg.length < 2) throw Errors.malformedRequest(`${path}.${op} must be an array of at least two filters`);
    arg.forEach((sub, i) => validateFilter(sub, `${path}.${op}[${i}]`));
    return;
  }
  if (!comparisons.includes(op)) throw Errors.malformedRequest(`${path}: unknown operation ${op}; expected one of ${[...comparisons, "AND", "OR"].join(", ")}`);
  if (typeof arg !== "object" || arg === null || Array.isArray(arg) || Object.keys(arg).length !== 1) {
    throw Errors.malformedRequest(`${path}.${op} must be an object with exactly one field`);
  }
  if (op === "IN" && !Array.isArray(Object.values(arg)[0])) throw Errors.malformedRequest(`${path}.IN value must be an array`);
}
