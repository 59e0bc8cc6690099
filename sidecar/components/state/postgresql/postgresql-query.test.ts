import { describe, expect, it } from "vitest";
import { buildQuery } from "./postgresql-query.js";

describe("postgresql query builder", () => {
  it("builds filters over the jsonb value with parameters, prefix and expiry", () => {
    const q = buildQuery({ filter: { AND: [{ EQ: { "person.org": "Dev Ops" } }, { IN: { state: ["CA", "WA"] } }] } }, "state", "app||");
    expect(q.text).toContain(`key LIKE $1 ESCAPE '\\'`);
    expect(q.text).toContain(`(value->'person'->>'org' = $2 AND (value->>'state' = $3 OR value->>'state' = $4))`);
    expect(q.text).toContain("expiredate IS NULL OR expiredate >= CURRENT_TIMESTAMP");
    expect(q.params).toEqual(["app||%", "Dev Ops", "CA", "WA"]);
  });

  it("quotes field names and escapes LIKE wildcards in the prefix", () => {
    const q = buildQuery({ filter: { EQ: { "it's": 1 } } }, "state", "a_b%||");
    expect(q.text).toContain(`value->>'it''s' = $2`);
    expect(q.params).toEqual(["a\\_b\\%||%", "1"]);
  });

  it("compares ranges numerically and sorts by jsonb with the key as tie-breaker", () => {
    const q = buildQuery({ filter: { GT: { score: 10 } }, sort: [{ key: "score", order: "DESC" }], page: { limit: 5, token: "10" } }, "s.t", "");
    expect(q.text).toContain(`(jsonb_typeof(value->'score') = 'number' AND value->'score' > $2::jsonb)`);
    expect(q.text).toMatch(/ORDER BY value->'score' DESC, key ASC LIMIT 5 OFFSET 10$/);
    expect(q).toMatchObject({ limit: 5, skip: 10 });
  });

  it("rejects malformed queries with errors that say what is wrong", () => {
    expect(() => buildQuery({ filter: { EQ: { a: 1 }, NEQ: { b: 2 } } as never }, "t", "")).toThrow(/exactly one operator/);
    expect(() => buildQuery({ filter: { EQ: { a: 1, b: 2 } } }, "t", "")).toThrow(/exactly one field/);
    expect(() => buildQuery({ filter: { IN: { a: [] } } }, "t", "")).toThrow(/non-empty array/);
    expect(() => buildQuery({ filter: { AND: [] } }, "t", "")).toThrow(/non-empty array/);
    expect(() => buildQuery({ filter: { GT: { a: "x" } } }, "t", "")).toThrow(/needs a number/);
    expect(() => buildQuery({ filter: { LIKE: { a: 1 } } as never }, "t", "")).toThrow(/unsupported/);
    expect(() => buildQuery({ filter: { EQ: { "a..b": 1 } } }, "t", "")).toThrow(/field path/);
    expect(() => buildQuery({ sort: [{ key: "a", order: "UP" as never }] }, "t", "")).toThrow(/ASC or DESC/);
    expect(() => buildQuery({ page: { limit: -1 } }, "t", "")).toThrow(/limit/);
    expect(() => buildQuery({ page: { token: "abc" } }, "t", "")).toThrow(/token/);
  });
});
