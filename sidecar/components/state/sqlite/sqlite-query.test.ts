import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { buildSqliteQuery, jsonPath } from "./sqlite-query.js";

const LIVE = "(expiration_time IS NULL)";
const build = (q: Parameters<typeof buildSqliteQuery>[0], prefix = "app||") => buildSqliteQuery(q, "state", prefix, LIVE);
const placeholders = (text: string) => (text.match(/\?/g) ?? []).length;

describe("sqlite query builder", () => {
  it("translates the seed's orders query: EQ on a field, newest first, one page", () => {
    const q = build({ filter: { EQ: { customer_id: "c-42" } }, sort: [{ key: "created_at", order: "DESC" }], page: { limit: 100 } });
    expect(q.text).toContain("FROM state WHERE substr(key, 1, length(?)) = ? AND (expiration_time IS NULL)");
    expect(q.text).toContain(`WHERE (json_type(doc, ?) = 'text' AND json_extract(doc, ?) = ?)`);
    expect(q.text).toMatch(/ORDER BY CASE json_type\(doc, \?\) .* END DESC, json_extract\(doc, \?\) DESC, key ASC LIMIT \? OFFSET \?$/);
    expect(q.params).toEqual(["app||", "app||", '$."customer_id"', '$."customer_id"', "c-42", '$."created_at"', '$."created_at"', 100, 0]);
    expect(q).toMatchObject({ limit: 100, skip: 0 });
    expect(placeholders(q.text)).toBe(q.params.length);
  });

  it("builds nested AND/OR/IN over dotted paths with every value bound", () => {
    const q = build({ filter: { OR: [{ EQ: { "person.org": "Dev Ops" } }, { AND: [{ GT: { "person.id": 1000 } }, { IN: { state: ["CA", 7] } }] }] } });
    expect(q.text).toContain(
      `WHERE ((json_type(doc, ?) = 'text' AND json_extract(doc, ?) = ?) OR ((json_type(doc, ?) IN ('integer', 'real') AND json_extract(doc, ?) > ?) AND ` +
        `((json_type(doc, ?) = 'text' AND json_extract(doc, ?) = ?) OR (json_type(doc, ?) IN ('integer', 'real') AND json_extract(doc, ?) = ?))))`,
    );
    expect(q.params.slice(2, -2)).toEqual([
      '$."person"."org"', '$."person"."org"', "Dev Ops",
      '$."person"."id"', '$."person"."id"', 1000,
      '$."state"', '$."state"', "CA",
      '$."state"', '$."state"', 7,
    ]);
    expect(placeholders(q.text)).toBe(q.params.length);
  });

  it("handles NEQ, null and booleans without binding a value for them", () => {
    const neq = build({ filter: { NEQ: { status: "done" } } });
    expect(neq.text).toContain(`((json_type(doc, ?) IS NOT NULL AND json_type(doc, ?) != 'null') AND NOT (json_type(doc, ?) = 'text' AND json_extract(doc, ?) = ?))`);
    const bool = build({ filter: { EQ: { paid: true } } });
    expect(bool.text).toContain(`WHERE json_type(doc, ?) = 'true'`);
    const nul = build({ filter: { EQ: { note: null } } });
    expect(nul.text).toContain(`(doc IS NOT NULL AND (json_type(doc, ?) IS NULL OR json_type(doc, ?) = 'null'))`);
    for (const q of [neq, bool, nul]) expect(placeholders(q.text)).toBe(q.params.length);
  });

  it("pages by offset token, without a limit as LIMIT -1, and treats an empty filter as none", () => {
    const q = build({ filter: {} as never, page: { limit: 2, token: "4" } });
    expect(q.text).not.toContain(") WHERE");
    expect(q.params.slice(-2)).toEqual([2, 4]);
    expect(q).toMatchObject({ limit: 2, skip: 4 });
    expect(build({}).params.slice(-2)).toEqual([-1, 0]);
    expect(build({ sort: [{ key: "a", order: "desc" as never }] }).text).toContain("DESC");
  });

  it("keeps caller text out of the SQL: hostile values and prefixes are only parameters", () => {
    const evil = `x' OR 1=1; DROP TABLE state; --`;
    const q = build({ filter: { IN: { name: [evil, `"`] } } }, `a'b%_"||`);
    expect(q.text).not.toContain("DROP");
    expect(q.text).not.toContain("a'b");
    expect(q.params).toContain(evil);
    expect(q.params.slice(0, 2)).toEqual([`a'b%_"||`, `a'b%_"||`]);
  });

  it("refuses field paths outside the strict pattern, in filters and in sorts", () => {
    for (const field of ["a..b", "", ".a", "a.", `a"b`, "a'b", "a[0]", "$.a", "a b", "a)--", "x".repeat(300)]) {
      expect(() => build({ filter: { EQ: { [field]: 1 } } }), field).toThrow(/invalid filter\.EQ field/);
      expect(() => build({ sort: [{ key: field }] }), field).toThrow(/invalid sort\[0\]\.key/);
    }
    expect(jsonPath("value.person.org")).toBe('$."value"."person"."org"');
    expect(jsonPath("größe_1-x")).toBe('$."größe_1-x"');
  });

  it("rejects malformed queries with errors that say what is wrong", () => {
    const bad: [unknown, RegExp][] = [
      [{ filter: { EQ: { a: 1 }, NEQ: { b: 2 } } }, /exactly one operator, got EQ, NEQ/],
      [{ filter: { EQ: { a: 1, b: 2 } } }, /exactly one field, got 2/],
      [{ filter: { EQ: [] } }, /must be an object like/],
      [{ filter: { IN: { a: [] } } }, /non-empty array/],
      [{ filter: { IN: { a: "x" } } }, /non-empty array/],
      [{ filter: { AND: [] } }, /non-empty array of filters/],
      [{ filter: { OR: [{ EQ: { a: 1 } }, "x"] } }, /filter\.OR\[1\] must be an object/],
      [{ filter: { GT: { a: true } } }, /needs a number or a string, got boolean/],
      [{ filter: { LT: { a: { b: 1 } } } }, /got an object/],
      [{ filter: { EQ: { a: { b: 1 } } } }, /string, number, boolean or null, got an object/],
      [{ filter: { IN: { a: [[1]] } } }, /got an array/],
      [{ filter: { GTE: { a: Number.NaN } } }, /finite/],
      [{ filter: { LIKE: { a: 1 } } }, /unsupported query filter operator 'LIKE'/],
      [{ filter: "EQ" }, /filter must be an object/],
      [{ sort: [{ key: "a", order: "UP" }] }, /ASC or DESC/],
      [{ sort: [{ order: "ASC" }] }, /needs a string 'key'/],
      [{ sort: { key: "a" } }, /sort must be an array/],
      [{ page: { limit: -1 } }, /page.limit/],
      [{ page: { limit: 1.5 } }, /page.limit/],
      [{ page: { token: "abc" } }, /token/],
      [{ page: { token: "-1" } }, /token/],
      [{ page: { token: "9".repeat(30) } }, /token/],
      [null, /query must be an object/],
    ];
    for (const [q, re] of bad) expect(() => build(q as never), JSON.stringify(q)).toThrow(re);
  });

  it("refuses absurdly deep nesting instead of overflowing", () => {
    let f: unknown = { EQ: { a: 1 } };
    for (let i = 0; i < 40; i++) f = { AND: [f] };
    expect(() => build({ filter: f as never })).toThrow(/nest deeper than/);
  });

  it("produces SQL SQLite accepts, with every placeholder bound", () => {
    const db = new Database(":memory:");
    try {
      db.exec(`CREATE TABLE state (key TEXT PRIMARY KEY, value TEXT, is_binary BOOLEAN, etag TEXT, expiration_time TIMESTAMP)`);
      const q = build({
        filter: { AND: [{ NEQ: { a: null } }, { OR: [{ LTE: { "b.c": "z" } }, { IN: { d: [1, "x", false, null] } }] }] },
        sort: [{ key: "a" }, { key: "b.c", order: "DESC" }],
        page: { limit: 3, token: "1" },
      });
      expect(db.prepare(q.text).all(...q.params)).toEqual([]);
    } finally {
      db.close();
    }
  });
});
