import { describe, expect, it } from "vitest";
import { RecentNames } from "./recent-names.js";

describe("RecentNames", () => {
  it("decodes a name once and then answers its bytes from memory, wherever they sit in a buffer", () => {
    let decoded = 0;
    const names = new RecentNames(4, (buf, s, e) => (decoded++, buf.toString("latin1", s, e).toLowerCase()));
    expect(names.read(Buffer.from("Content-Type"), 0, 12)).toBe("content-type");
    expect(names.read(Buffer.from("xxContent-Typeyy"), 2, 14)).toBe("content-type");
    expect(decoded).toBe(1);
    // Same length, other bytes: decoded on its own.
    expect(names.read(Buffer.from("Content-TYPO"), 0, 12)).toBe("content-typo");
    expect(decoded).toBe(2);
  });

  it("keeps `size` names, the oldest giving way, and never answers a name for other bytes", () => {
    let decoded = 0;
    const names = new RecentNames(3, (buf, s, e) => (decoded++, buf.toString("utf8", s, e)));
    const read = (s: string) => names.read(Buffer.from(s), 0, Buffer.byteLength(s));
    for (const s of ["a1", "a2", "a3", "a4"]) expect(read(s)).toBe(s);
    expect(decoded).toBe(4);
    expect(read("a4")).toBe("a4"); // kept
    expect(read("a1")).toBe("a1"); // gave way: decoded again
    expect(decoded).toBe(5);
    for (let i = 0; i < 200; i++) {
      const s = `n${i % 7}-ü`;
      expect(read(s)).toBe(s);
    }
  });

  it("decodes names longer than its limit every time, without keeping them", () => {
    let decoded = 0;
    const names = new RecentNames(4, (buf, s, e) => (decoded++, buf.toString("latin1", s, e)), 8);
    const long = Buffer.from("x-much-longer-name");
    expect(names.read(long, 0, long.length)).toBe("x-much-longer-name");
    expect(names.read(long, 0, long.length)).toBe("x-much-longer-name");
    expect(decoded).toBe(2);
  });
});
