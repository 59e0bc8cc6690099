import { describe, expect, it } from "vitest";
import { nextTraceparent, traceIdOf } from "./tracing.js";

const shape = /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/;

describe("nextTraceparent", () => {
  it("keeps the caller's trace id and flags, with a new span id", () => {
    const incoming = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    const out = nextTraceparent(` ${incoming} `, 0);
    expect(out).toMatch(shape);
    expect(traceIdOf(out)).toBe("0af7651916cd43dd8448eb211c80319c");
    expect(out.endsWith("-01")).toBe(true);
    expect(out.split("-")[2]).not.toBe("b7ad6b7169203331");
  });

  it("starts a new trace, sampled per the rate, when there is none or it is invalid", () => {
    for (const incoming of [undefined, "", "garbage", `00-${"0".repeat(32)}-b7ad6b7169203331-01`]) {
      const unsampled = nextTraceparent(incoming, 0);
      expect(unsampled).toMatch(shape);
      expect(unsampled.endsWith("-00")).toBe(true);
      expect(traceIdOf(unsampled)).not.toBe("0".repeat(32));
      expect(nextTraceparent(incoming, 1).endsWith("-01")).toBe(true);
    }
    // Fresh ids every time (trace and span).
    const ids = new Set(Array.from({ length: 300 }, () => nextTraceparent(undefined, 0).slice(3, 53)));
    expect(ids.size).toBe(300);
    const spans = new Set([...ids].map((s) => s.slice(33)));
    expect(spans.size).toBe(300);
  });
});
