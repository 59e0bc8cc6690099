// Which invocation URLs skip express's router (api/http/direct-routes.ts): only plainly
// spelled ones. Every other URL goes through express's route for the same handler.
import { describe, expect, it } from "vitest";
import type { InvokeCore } from "./invoke-core.js";
import { invokeDirectRoute, invokeTarget } from "./invoke-http.js";

const route = invokeDirectRoute({} as InvokeCore, 1024);

describe("the invoke route served past express", () => {
  it("stands in for express's invoke route (its template names the metrics)", () => {
    expect(route.path).toBe("/v1.0/invoke/:appId/method/*method");
  });

  it.each([
    "/v1.0/invoke/orders/method/new",
    "/v1.0/invoke/orders.prod/method/a/b/c?x=1&y=%20",
    "/v1.0/invoke/orders/method/%2E%2E/x",
    "/v1.0/invoke/orders/method/x?",
  ])("takes %s", (url) => {
    expect(route.match(url)).toBe(true);
  });

  it.each([
    ["an app id to decode", "/v1.0/invoke/orders%2Eprod/method/new"],
    ["an empty app id", "/v1.0/invoke//method/new"],
    ["an empty method", "/v1.0/invoke/orders/method/"],
    ["an empty method before the query", "/v1.0/invoke/orders/method/?x=1"],
    ["no method at all", "/v1.0/invoke/orders"],
    ["another word than method", "/v1.0/invoke/orders/methods/new"],
    ["a query inside the app id", "/v1.0/invoke/ord?ers/method/new"],
    ["a different case (express matches it, case-insensitively)", "/V1.0/Invoke/orders/method/new"],
    ["another API", "/v1.0/state/orders/method/new"],
  ])("leaves %s to express", (_why, url) => {
    expect(route.match(url)).toBe(false);
  });

  it.each([
    ["/v1.0/invoke/orders/method/new?x=1", "orders", "new"],
    ["/v1.0/invoke/method/method/method/x", "method", "method/x"],
    ["/V1.0/INVOKE/orders/METHOD/a%2Fb", "orders", "a%2Fb"],
    ["/v1.0/invoke/orders%2Eprod/method/x?", "orders%2Eprod", "x"],
  ])("reads the target of %s by position", (url, rawAppId, method) => {
    expect(invokeTarget(url)).toEqual({ rawAppId, method });
  });
});
