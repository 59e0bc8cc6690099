// Every state store dapr-ts ships, registered by `type/version` with Dapr's aliases.
import { ComponentRegistry, lazy } from "../registry.js";
import type { StateStore } from "./state-store.js";
import { InMemoryStateStore } from "./in-memory/in-memory-state-store.js";
import { SqliteStateStore } from "./sqlite/sqlite-state-store.js";

export const stateRegistry = new ComponentRegistry<StateStore>("state");

stateRegistry.register("state.in-memory", ["v1"], (ctx) => new InMemoryStateStore(ctx));
stateRegistry.register(["state.sqlite", "state.sqlite3"], ["v1"], (ctx) => new SqliteStateStore(ctx));
stateRegistry.register("state.redis", ["v1"], lazy(async () => { const m = await import("./redis/redis-state-store.js"); return (ctx) => new m.RedisStateStore(ctx); }));
// PostgreSQL v1 (jsonb, xmin ETags, query API) is Dapr's default; v2 stores bytes with UUID ETags.
stateRegistry.register(["state.postgresql", "state.postgres"], ["v1"], lazy(async () => { const m = await import("./postgresql/postgresql-state-store.js"); return (ctx) => new m.PostgresStateStore(ctx); }));
stateRegistry.register(["state.postgresql", "state.postgres"], ["v2"], lazy(async () => { const m = await import("./postgresql/postgresql-v2-state-store.js"); return (ctx) => new m.PostgresV2StateStore(ctx); }));
