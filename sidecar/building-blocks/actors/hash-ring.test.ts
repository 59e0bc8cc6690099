import { describe, expect, it } from "vitest";
import { HashRing } from "./hash-ring.js";

const ids = Array.from({ length: 2000 }, (_, i) => `actor-${i}`);

describe("HashRing", () => {
  it("is empty without hosts", () => {
    expect(new HashRing([]).lookup("x")).toBeUndefined();
  });

  it("gives the same owner whatever the order hosts are listed in", () => {
    const a = new HashRing(["h1:1", "h2:2", "h3:3"]);
    const b = new HashRing(["h3:3", "h1:1", "h2:2", "h1:1"]);
    for (const id of ids) expect(a.lookup(id)).toBe(b.lookup(id));
  });

  it("spreads ids over every host, roughly evenly", () => {
    const ring = new HashRing(["a:1", "b:1", "c:1"]);
    const counts = new Map<string, number>();
    for (const id of ids) counts.set(ring.lookup(id)!, (counts.get(ring.lookup(id)!) ?? 0) + 1);
    expect(counts.size).toBe(3);
    for (const n of counts.values()) expect(n).toBeGreaterThan(ids.length / 3 / 2);
  });

  it("moves only the leaving host's ids when a host leaves", () => {
    const before = new HashRing(["a:1", "b:1", "c:1"]);
    const after = new HashRing(["a:1", "b:1"]);
    let moved = 0;
    for (const id of ids) {
      const was = before.lookup(id)!;
      if (was !== "c:1") expect(after.lookup(id)).toBe(was);
      else moved++;
    }
    expect(moved).toBeGreaterThan(0);
  });
});
