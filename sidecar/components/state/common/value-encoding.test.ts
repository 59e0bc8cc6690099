import { describe, expect, it } from "vitest";
import { decodeFromJsonb, decodeFromSqlite, encodeForJsonb, encodeForSqlite, isJsonText } from "./value-encoding.js";

describe("value encoding", () => {
  it("recognizes JSON text and nothing else", () => {
    expect(isJsonText(Buffer.from('{"a":1}'))).toBe(true);
    expect(isJsonText(Buffer.from('"str"'))).toBe(true);
    expect(isJsonText(Buffer.from("42"))).toBe(true);
    expect(isJsonText(Buffer.from("hello"))).toBe(false);
    expect(isJsonText(Buffer.alloc(0))).toBe(false);
    // Valid JSON around invalid UTF-8 must count as binary, or bytes would be lost.
    expect(isJsonText(Buffer.concat([Buffer.from('"'), Buffer.from([0xff]), Buffer.from('"')]))).toBe(false);
  });

  it("round-trips both forms in both layouts", () => {
    for (const v of [Buffer.from('{"x":[1,2]}'), Buffer.from([0, 1, 2, 255]), Buffer.from("not json")]) {
      const s = encodeForSqlite(v);
      expect(decodeFromSqlite(s.text, s.isBinary).equals(v)).toBe(true);
      const j = encodeForJsonb(v);
      expect(decodeFromJsonb(j.text, j.isBinary).equals(v)).toBe(true);
    }
    expect(encodeForJsonb(Buffer.from([1, 2]))).toEqual({ text: '"AQI="', isBinary: true });
  });

  it("rejects a binary jsonb value that is not a string", () => {
    expect(() => decodeFromJsonb("{}", true)).toThrow(/base64/);
  });
});
