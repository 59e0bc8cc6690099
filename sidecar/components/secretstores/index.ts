// The secret store registry: `secretstores.<type>/<version>` -> factory.
import { ComponentRegistry, lazy } from "../registry.js";
import { LocalEnvSecretStore } from "./local-env/index.js";
import { LocalFileSecretStore } from "./local-file/index.js";
import type { SecretStore } from "./secret-store.js";

export * from "./secret-store.js";

export const secretStoreRegistry = new ComponentRegistry<SecretStore>("secret store");
secretStoreRegistry.register("secretstores.local.file", ["v1"], (ctx) => new LocalFileSecretStore(ctx));
secretStoreRegistry.register("secretstores.local.env", ["v1"], (ctx) => new LocalEnvSecretStore(ctx));
secretStoreRegistry.register("secretstores.kubernetes", ["v1"], lazy(async () => { const m = await import("./kubernetes/index.js"); return (ctx) => new m.KubernetesSecretStore(ctx); }));
