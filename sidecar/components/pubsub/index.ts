// Every pub/sub component, registered by `type/version` as Dapr names them.
import { ComponentRegistry } from "../registry.js";
import { InMemoryPubSub } from "./in-memory/in-memory-pubsub.js";
import type { PubSub } from "./pubsub.js";
import { RedisStreamsPubSub } from "./redis/redis-pubsub.js";

export const pubsubRegistry = new ComponentRegistry<PubSub>("pubsub");

pubsubRegistry.register("pubsub.in-memory", ["v1"], (ctx) => new InMemoryPubSub(ctx));
pubsubRegistry.register("pubsub.redis", ["v1"], (ctx) => new RedisStreamsPubSub(ctx));

export * from "./pubsub.js";
export { topicScopes, type TopicScopes } from "./topic-scopes.js";
