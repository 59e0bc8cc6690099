import { describe, it, expect } from "vitest";
import { isSecretAllowed, validateSecretScopes, type SecretsScope } from "./secret-scopes.js";

describe("isSecretAllowed", () => {
  const scopes: SecretsScope[] = [
    { storeName: "vault", defaultAccess: "deny", allowedSecrets: ["db-password"] },
    { storeName: "local", defaultAccess: "allow", deniedSecrets: ["root-key"] },
    { storeName: "locked", defaultAccess: "DENY" },
    { storeName: "both", defaultAccess: "allow", allowedSecrets: ["a"], deniedSecrets: ["a", "b"] },
    { storeName: "emptyAllow", defaultAccess: "deny", allowedSecrets: [] , deniedSecrets: ["x"] },
  ];

  it("allows everything in stores without a scope, and when there are no scopes", () => {
    expect(isSecretAllowed(scopes, "other", "anything")).toBe(true);
    expect(isSecretAllowed(undefined, "vault", "anything")).toBe(true);
    expect(isSecretAllowed([], "vault", "anything")).toBe(true);
  });

  it("allowedSecrets is an exclusive allow list", () => {
    expect(isSecretAllowed(scopes, "vault", "db-password")).toBe(true);
    expect(isSecretAllowed(scopes, "vault", "api-key")).toBe(false);
  });

  it("deniedSecrets denies single keys under defaultAccess allow", () => {
    expect(isSecretAllowed(scopes, "local", "root-key")).toBe(false);
    expect(isSecretAllowed(scopes, "local", "other")).toBe(true);
  });

  it("defaultAccess deny is case-insensitive", () => {
    expect(isSecretAllowed(scopes, "locked", "x")).toBe(false);
  });

  it("allowedSecrets wins over deniedSecrets", () => {
    expect(isSecretAllowed(scopes, "both", "a")).toBe(true);
    expect(isSecretAllowed(scopes, "both", "b")).toBe(false);
  });

  it("an empty allowedSecrets list falls back to deniedSecrets and defaultAccess", () => {
    expect(isSecretAllowed(scopes, "emptyAllow", "x")).toBe(false);
    expect(isSecretAllowed(scopes, "emptyAllow", "y")).toBe(false);
  });

  it("names are case-sensitive", () => {
    expect(isSecretAllowed(scopes, "vault", "DB-PASSWORD")).toBe(false);
  });
});

describe("validateSecretScopes", () => {
  it("accepts good scopes", () => {
    expect(validateSecretScopes([{ storeName: "a", defaultAccess: "Allow" }, { storeName: "b" }])).toEqual([]);
    expect(validateSecretScopes(undefined)).toEqual([]);
  });
  it("reports repeated stores and bad defaultAccess", () => {
    expect(validateSecretScopes([{ storeName: "a" }, { storeName: "a", defaultAccess: "maybe" }])).toEqual([
      "secrets.scopes[1]: a storeName is repeated in secrets configuration",
      "secrets.scopes[1]: defaultAccess maybe can be either allow or deny",
    ]);
  });
});
