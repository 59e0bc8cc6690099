import { describe, it, expect } from "vitest";
import { evaluateAccessControl, normalizeOperation, parseAccessControl, type AccessControlSpec, type InvocationRequest } from "./access-control.js";

function acl(spec: AccessControlSpec | undefined, isHttp = true) {
  const { acl, errors } = parseAccessControl(spec, { isHttp });
  expect(errors).toEqual([]);
  return acl;
}

const call = (over: Partial<InvocationRequest>): InvocationRequest => ({
  callerAppId: "app1",
  callerNamespace: "default",
  trustDomain: "public",
  operation: "/op1",
  httpVerb: "POST",
  ...over,
});

describe("parseAccessControl", () => {
  it("no ACL configured: everything is allowed", () => {
    expect(acl(undefined)).toBeUndefined();
    expect(acl({})).toBeUndefined();
    expect(evaluateAccessControl(undefined, call({})).allowed).toBe(true);
  });

  it("defaults: trust domain public; deny when policies exist without a global default", () => {
    const a = acl({ policies: [{ appId: "app1", trustDomain: "public", namespace: "default" }] })!;
    expect(a.defaultAction).toBe("deny");
    expect(a.trustDomain).toBe("public");
    expect(acl({ trustDomain: "x", policies: [] })!.defaultAction).toBe("allow");
    expect(acl({ trustDomain: "x" })!.defaultAction).toBe("deny");
    expect(acl({ defaultAction: "ALLOW" })!.defaultAction).toBe("allow");
  });

  it("reports app policies missing appId, trustDomain or namespace", () => {
    const { errors } = parseAccessControl(
      { defaultAction: "deny", policies: [{ appId: "a", namespace: "ns" }, { trustDomain: "public", namespace: "ns" }] },
      { isHttp: true },
    );
    expect(errors).toEqual([
      "accessControl.policies[0] (appId a): missing trustDomain",
      "accessControl.policies[1]: missing appId",
    ]);
  });
});

describe("evaluateAccessControl (Dapr's documented scenarios)", () => {
  it("1: deny all but app1 (app default allow)", () => {
    const a = acl({ defaultAction: "deny", trustDomain: "public", policies: [{ appId: "app1", defaultAction: "allow", trustDomain: "public", namespace: "default" }] });
    expect(evaluateAccessControl(a, call({ operation: "/anything" }))).toMatchObject({ allowed: true, policy: "app" });
    const other = evaluateAccessControl(a, call({ callerAppId: "app2" }));
    expect(other).toMatchObject({ allowed: false, policy: "global" });
    expect(other.reason).toContain("access control policy has denied access to id: spiffe://public/ns/default/app2 operation: /op1 verb: POST");
  });

  it("2: only /op1 of app1, any verb", () => {
    const a = acl({
      defaultAction: "deny",
      policies: [{ appId: "app1", defaultAction: "deny", trustDomain: "public", namespace: "default", operations: [{ name: "/op1", httpVerb: ["*"], action: "allow" }] }],
    });
    expect(evaluateAccessControl(a, call({ httpVerb: "DELETE" })).allowed).toBe(true);
    expect(evaluateAccessControl(a, call({ operation: "/op2" })).allowed).toBe(false);
    expect(evaluateAccessControl(a, call({ operation: "/OP1" })).allowed).toBe(true); // HTTP is case-insensitive
  });

  it("3: specific verbs over HTTP, operation action over gRPC", () => {
    const spec: AccessControlSpec = {
      defaultAction: "deny",
      policies: [
        { appId: "app1", defaultAction: "deny", trustDomain: "public", namespace: "default", operations: [{ name: "/op1", httpVerb: ["POST", "PUT"], action: "allow" }] },
        { appId: "app2", defaultAction: "deny", trustDomain: "myDomain", namespace: "ns1", operations: [{ name: "/op2", action: "allow" }] },
      ],
    };
    const http = acl(spec, true);
    expect(evaluateAccessControl(http, call({ httpVerb: "post" })).allowed).toBe(true);
    expect(evaluateAccessControl(http, call({ httpVerb: "GET" })).allowed).toBe(false);
    // No verb at all: the app default action applies.
    expect(evaluateAccessControl(http, call({ httpVerb: "" })).allowed).toBe(false);

    const grpc = acl(spec, false);
    const app2 = call({ callerAppId: "app2", callerNamespace: "ns1", trustDomain: "myDomain", operation: "/op2", httpVerb: undefined });
    expect(evaluateAccessControl(grpc, app2).allowed).toBe(true);
    expect(evaluateAccessControl(grpc, { ...app2, operation: "/OP2" }).allowed).toBe(false); // gRPC is case-sensitive
    expect(evaluateAccessControl(grpc, { ...app2, trustDomain: "public" })).toMatchObject({ allowed: false, policy: "global" });
  });

  it("4: allow all except /op1/* of app1", () => {
    const a = acl({
      defaultAction: "allow",
      policies: [{ appId: "app1", defaultAction: "allow", trustDomain: "public", namespace: "default", operations: [{ name: "/op1/*", httpVerb: ["*"], action: "deny" }] }],
    });
    expect(evaluateAccessControl(a, call({ operation: "/op1/a" })).allowed).toBe(false);
    expect(evaluateAccessControl(a, call({ operation: "/op1" })).allowed).toBe(false); // "/op1/*" also covers "/op1"
    expect(evaluateAccessControl(a, call({ operation: "/op1/a/b" })).allowed).toBe(true); // "*" is one level only
    expect(evaluateAccessControl(a, call({ operation: "/op2" })).allowed).toBe(true);
  });

  it("5: same app id in two namespaces", () => {
    const a = acl({
      defaultAction: "allow",
      policies: [
        { appId: "app1", defaultAction: "allow", trustDomain: "public", namespace: "ns1" },
        { appId: "app1", defaultAction: "deny", trustDomain: "public", namespace: "ns2" },
      ],
    });
    expect(evaluateAccessControl(a, call({ callerNamespace: "ns1" })).allowed).toBe(true);
    expect(evaluateAccessControl(a, call({ callerNamespace: "ns2" }))).toMatchObject({ allowed: false, policy: "app" });
  });

  it("unknown callers get the global default", () => {
    const a = acl({ defaultAction: "deny", policies: [{ appId: "app1", defaultAction: "allow", trustDomain: "public", namespace: "default" }] });
    expect(evaluateAccessControl(a, call({ callerAppId: undefined }))).toMatchObject({ allowed: false, policy: "global" });
  });

  it("matches ** at any depth and * inside a segment", () => {
    const a = acl({
      defaultAction: "deny",
      policies: [
        {
          appId: "app1",
          defaultAction: "deny",
          trustDomain: "public",
          namespace: "default",
          operations: [
            { name: "/api/**", httpVerb: ["GET"], action: "allow" },
            { name: "/v*/status", httpVerb: ["GET"], action: "allow" },
          ],
        },
      ],
    });
    expect(evaluateAccessControl(a, call({ operation: "/api/a/b/c", httpVerb: "GET" })).allowed).toBe(true);
    expect(evaluateAccessControl(a, call({ operation: "/api/a/b/c", httpVerb: "POST" })).allowed).toBe(false);
    expect(evaluateAccessControl(a, call({ operation: "/v2/status", httpVerb: "GET" })).allowed).toBe(true);
    expect(evaluateAccessControl(a, call({ operation: "/x/status", httpVerb: "GET" })).allowed).toBe(false);
  });

  it("normalises the operation before matching", () => {
    const a = acl({
      defaultAction: "deny",
      policies: [{ appId: "app1", defaultAction: "deny", trustDomain: "public", namespace: "default", operations: [{ name: "op1", httpVerb: ["*"], action: "allow" }] }],
    });
    expect(evaluateAccessControl(a, call({ operation: "//op1/" })).allowed).toBe(true);
    expect(evaluateAccessControl(a, call({ operation: "/x/../op1" })).allowed).toBe(true);
    expect(evaluateAccessControl(a, call({ operation: "/%6Fp1" })).allowed).toBe(true);
    expect(evaluateAccessControl(a, call({ operation: "/op1%zz" }))).toMatchObject({ allowed: false });
  });
});

describe("evaluateAccessControl without app policies (Dapr's default Configuration)", () => {
  it("decides every caller by the global default, still refuses a method it cannot normalise, and names the caller only when denying", () => {
    const allowAll = acl({ defaultAction: "allow", trustDomain: "public" })!;
    expect(allowAll.policies.size).toBe(0);
    expect(evaluateAccessControl(allowAll, call({}))).toEqual({ allowed: true, policy: "global", reason: "no app policies are configured; global default action applies" });
    expect(evaluateAccessControl(allowAll, call({ callerAppId: undefined })).allowed).toBe(true);
    expect(evaluateAccessControl(allowAll, call({ operation: "/op1%zz" })).allowed).toBe(false);

    const denyAll = acl({ defaultAction: "deny", trustDomain: "public", policies: [] })!;
    expect(evaluateAccessControl(denyAll, call({ callerAppId: "orders", callerNamespace: "shop", operation: "/pay", httpVerb: "" }))).toEqual({
      allowed: false,
      policy: "global",
      reason: "access control policy has denied access to id: spiffe://public/ns/shop/orders operation: /pay verb: NONE (no app policies are configured; global default action applies)",
    });
  });
});

describe("normalizeOperation", () => {
  it.each([
    ["/a//b/", "/a/b"],
    ["/a/./b/../c", "/a/c"],
    ["/a/%7e%2f", "/a/~%2F"],
    ["/", ""],
    ["/../..", ""],
  ])("%s → %s", (input, out) => {
    expect(normalizeOperation(input)).toBe(out);
  });
});
