// Every state store dapr-ts ships, registered by `type/version` with Dapr's aliases.
import { ComponentRegistry } from "../registry.js";
import type { StateStore } from "./state-store.js";
import { InMemoryStateStore } from "./in-memory/in-memory-state-store.js";
import { SqliteStateStore } from "./sqlite/sqlite-state-store.js";

export const stateRegistry = new ComponentRegistry<StateStore>("state");

stateRegistry.register("state.in-memory", ["v1"], (ctx) => new InMemoryStateStore(ctx));
stateRegistry.register(["state.sqlite", "state.sqlite3"], ["v1"], (ctx) => new SqliteStateStore(ctx));
