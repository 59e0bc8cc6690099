// Every pub/sub component, registered by `type/version` as Dapr names them.
import { ComponentRegistry, lazy } from "../registry.js";
import { InMemoryPubSub } from "./in-memory/in-memory-pubsub.js";
import type { PubSub } from "./pubsub.js";

export const pubsubRegistry = new ComponentRegistry<PubSub>("pubsub");

pubsubRegistry.register("pubsub.in-memory", ["v1"], (ctx) => new InMemoryPubSub(ctx));
pubsubRegistry.register("pubsub.redis", ["v1"], lazy(async () => { const m = await import("./redis/redis-pubsub.js"); return (ctx) => new m.RedisStreamsPubSub(ctx); }));
pubsubRegistry.register("pubsub.rabbitmq", ["v1"], lazy(async () => { const m = await import("./rabbitmq/rabbitmq-pubsub.js"); return (ctx) => new m.RabbitMqPubSub(ctx); }));
// `pubsub.mqtt` is the name Dapr used before mqtt3 replaced it; both load the same component.
pubsubRegistry.register(["pubsub.mqtt3", "pubsub.mqtt"], ["v1"], lazy(async () => { const m = await import("./mqtt3/mqtt3-pubsub.js"); return (ctx) => new m.Mqtt3PubSub(ctx); }));
pubsubRegistry.register("pubsub.jetstream", ["v1"], lazy(async () => { const m = await import("./jetstream/jetstream-pubsub.js"); return (ctx) => new m.JetStreamPubSub(ctx); }));

export * from "./pubsub.js";
export { topicScopes, type TopicScopes } from "./topic-scopes.js";
export { bulkSubscribe } from "./bulk-subscribe.js";
