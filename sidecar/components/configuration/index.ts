// The configuration store registry: `configuration.<type>/<version>` -> factory.
import { ComponentRegistry } from "../registry.js";
import type { ConfigurationStore } from "./configuration-store.js";
import { PostgresConfigurationStore } from "./postgresql/index.js";
import { RedisConfigurationStore } from "./redis/index.js";

export * from "./configuration-store.js";

export const configurationRegistry = new ComponentRegistry<ConfigurationStore>("configuration");
configurationRegistry.register("configuration.redis", ["v1"], (ctx) => new RedisConfigurationStore(ctx));
configurationRegistry.register(["configuration.postgresql", "configuration.postgres"], ["v1"], (ctx) => new PostgresConfigurationStore(ctx));
