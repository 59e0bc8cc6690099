import { describe, expect, it } from "vitest";
import { ComponentHub } from "../../components/hub.js";
import { LocalEnvSecretStore } from "../../components/secretstores/local-env/index.js";
import { DaprError } from "../../errors/catalog.js";
import { silentLogger } from "../../log/logger.js";
import { noPolicies } from "../../runtime/runtime-context.js";
import type { SecretsScope } from "../../config/secret-scopes.js";
import { SecretsCore } from "./secrets-core.js";

const prefix = `H14SC_${process.pid}_`;
process.env[`${prefix}open`] = "o-value";
process.env[`${prefix}closed`] = "c-value";

async function core(scopes: SecretsScope[], withStore = true) {
  const hub = new ComponentHub();
  if (withStore) {
    const properties = { prefix };
    const instance = new LocalEnvSecretStore({ name: "env", type: "secretstores.local.env", version: "v1", properties, appId: "a", namespace: "d", logger: silentLogger });
    await instance.init();
    hub.add({ name: "env", type: "secretstores.local.env", version: "v1", category: "secretstores", instance, capabilities: [], properties, source: "t" });
  }
  return new SecretsCore({ appId: "a", namespace: "d", hub, logger: silentLogger, policies: noPolicies }, scopes);
}

async function failure(p: Promise<unknown>): Promise<DaprError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(DaprError);
  return e as DaprError;
}

describe("SecretsCore", () => {
  it("reads secrets when no scope names the store", async () => {
    const c = await core([]);
    expect(await c.get("env", "open")).toEqual({ open: "o-value" });
  });

  it("denies by deniedSecrets with 403 and leaves denied secrets out of bulk", async () => {
    const c = await core([{ storeName: "env", deniedSecrets: ["closed"] }]);
    const e = await failure(c.get("env", "closed"));
    expect([e.errorCode, e.httpStatus]).toEqual(["ERR_PERMISSION_DENIED", 403]);
    expect(e.message).not.toContain("c-value");
    const bulk = await c.bulk("env");
    expect(bulk["open"]).toEqual({ open: "o-value" });
    expect(bulk).not.toHaveProperty("closed");
  });

  it("allows only allowedSecrets when listed, and honours defaultAccess deny", async () => {
    const allowList = await core([{ storeName: "env", allowedSecrets: ["open"] }]);
    expect(await allowList.get("env", "open")).toEqual({ open: "o-value" });
    expect((await failure(allowList.get("env", "closed"))).httpStatus).toBe(403);
    const denyAll = await core([{ storeName: "env", defaultAccess: "deny" }]);
    expect((await failure(denyAll.get("env", "open"))).httpStatus).toBe(403);
    expect(await denyAll.bulk("env")).toEqual({});
  });

  it("answers Dapr's codes for unknown stores and secrets", async () => {
    const c = await core([]);
    expect((await failure(c.get("nope", "x"))).httpStatus).toBe(401);
    expect((await failure(c.get("env", "missing"))).errorCode).toBe("ERR_SECRET_GET");
    const none = await core([], false);
    expect((await failure(none.bulk("env"))).errorCode).toBe("ERR_SECRET_STORES_NOT_CONFIGURED");
  });
});
