import { describe, expect, it } from "vitest";
import { silentLogger } from "../../../log/logger.js";
import type { ComponentContext, Properties } from "../../component.js";
import { SecretNotFoundError } from "../secret-store.js";
import { LocalEnvSecretStore } from "./index.js";

function ctx(properties: Properties): ComponentContext {
  return { name: "env", type: "secretstores.local.env", version: "v1", properties, appId: "app", namespace: "default", logger: silentLogger };
}
const env = { MYAPP_DB_PASS: "s3cret", MYAPP_TOKEN: "t", OTHER: "o", DAPR_API_TOKEN: "hidden", APP_API_TOKEN: "hidden2", MYAPP_: "edge" };

describe("secretstores.local.env", () => {
  it("reads <prefix><name> and answers under the requested name", async () => {
    const s = new LocalEnvSecretStore(ctx({ prefix: "MYAPP_" }), env);
    await s.init();
    expect(await s.getSecret({ name: "DB_PASS", metadata: {} })).toEqual({ DB_PASS: "s3cret" });
    await expect(s.getSecret({ name: "OTHER", metadata: {} })).rejects.toBeInstanceOf(SecretNotFoundError);
  });

  it("bulk lists prefixed variables with the prefix stripped", async () => {
    const s = new LocalEnvSecretStore(ctx({ prefix: "MYAPP_" }), env);
    await s.init();
    expect(await s.bulkGetSecret({ metadata: {} })).toEqual({ DB_PASS: { DB_PASS: "s3cret" }, TOKEN: { TOKEN: "t" } });
  });

  it("never hands out the sidecar's own variables", async () => {
    const s = new LocalEnvSecretStore(ctx({}), env);
    await s.init();
    await expect(s.getSecret({ name: "DAPR_API_TOKEN", metadata: {} })).rejects.toBeInstanceOf(SecretNotFoundError);
    await expect(s.getSecret({ name: "APP_API_TOKEN", metadata: {} })).rejects.toBeInstanceOf(SecretNotFoundError);
    const bulk = await s.bulkGetSecret({ metadata: {} });
    expect(Object.keys(bulk).sort()).toEqual(["MYAPP_", "MYAPP_DB_PASS", "MYAPP_TOKEN", "OTHER"]);
  });
});
