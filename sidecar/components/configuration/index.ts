// The configuration store registry: `configuration.<type>/<version>` -> factory.
import { ComponentRegistry, lazy } from "../registry.js";
import type { ConfigurationStore } from "./configuration-store.js";

export * from "./configuration-store.js";

export const configurationRegistry = new ComponentRegistry<ConfigurationStore>("configuration");
configurationRegistry.register("configuration.redis", ["v1"], lazy(async () => { const m = await import("./redis/index.js"); return (ctx) => new m.RedisConfigurationStore(ctx); }));
configurationRegistry.register(["configuration.postgresql", "configuration.postgres"], ["v1"], lazy(async () => { const m = await import("./postgresql/index.js"); return (ctx) => new m.PostgresConfigurationStore(ctx); }));
