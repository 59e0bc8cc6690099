import { describe, it, expect } from "vitest";
import { compileRoutes, RoutingError } from "./routing.js";

const event = (over: Record<string, unknown> = {}) => ({
  id: "1",
  source: "app",
  type: "widget",
  specversion: "1.0",
  data: { price: 150, kind: "gadget" },
  ...over,
});

describe("compileRoutes", () => {
  const routes = compileRoutes({
    routes: {
      rules: [
        { match: 'event.type == "widget" && event.data.price > 100', path: "/expensive" },
        { match: 'event.type == "widget"', path: "/widgets" },
      ],
      default: "/other",
    },
  });

  it("evaluates rules in order, first match wins", () => {
    expect(routes.pathFor(event())).toBe("/expensive");
    expect(routes.pathFor(event({ data: { price: 5, kind: "x" } }))).toBe("/widgets");
  });

  it("falls back to the default", () => {
    expect(routes.pathFor(event({ type: "gizmo" }))).toBe("/other");
  });

  it("lists rules with the default last", () => {
    expect(routes.rules.map((r) => r.path)).toEqual(["/expensive", "/widgets", "/other"]);
  });

  it("supports the v1 single route and returns undefined when nothing matches", () => {
    expect(compileRoutes({ route: "/v1" }).pathFor(event())).toBe("/v1");
    expect(compileRoutes({ routes: { rules: [{ match: 'event.type == "none"', path: "/n" }] } }).pathFor(event())).toBeUndefined();
  });

  it("accepts single-quoted CEL strings and nested data, as in Dapr's docs", () => {
    const r = compileRoutes({ routes: { rules: [{ match: "event.data.kind == 'gadget' && event.data.price >= 150", path: "/g" }] } });
    expect(r.pathFor(event())).toBe("/g");
  });

  it("treats a rule without match as a catch-all", () => {
    expect(compileRoutes({ routes: { rules: [{ path: "/all" }] } }).pathFor(event())).toBe("/all");
  });

  it("names the rule when the CEL does not compile", () => {
    expect(() => compileRoutes({ routes: { rules: [{ match: "event.type ==", path: "/bad" }] } }, "subscription s1")).toThrow(
      /subscription s1: invalid CEL in rule 0 \(path \/bad\)/,
    );
  });

  it("rejects a rule without a path", () => {
    expect(() => compileRoutes({ routes: { rules: [{ match: "true", path: "" }] } })).toThrow(/rule 0 has no path/);
  });

  it("reports non-boolean results and evaluation errors as RoutingError", () => {
    expect(() => compileRoutes({ routes: { rules: [{ match: "event.type", path: "/p" }] } }).pathFor(event())).toThrow(/not a boolean/);
    const missing = compileRoutes({ routes: { rules: [{ match: "event.data.nope == 1", path: "/p" }] } });
    expect(() => missing.pathFor(event())).toThrow(RoutingError);
  });

  it("can guard optional fields with has()", () => {
    const r = compileRoutes({ routes: { rules: [{ match: "has(event.data.nope) && event.data.nope == 1", path: "/p" }], default: "/d" } });
    expect(r.pathFor(event())).toBe("/d");
  });
});
