// Every pub/sub component, registered by `type/version` as Dapr names them.
import { ComponentRegistry } from "../registry.js";
import { InMemoryPubSub } from "./in-memory/in-memory-pubsub.js";
import type { PubSub } from "./pubsub.js";
import { JetStreamPubSub } from "./jetstream/jetstream-pubsub.js";
import { Mqtt3PubSub } from "./mqtt3/mqtt3-pubsub.js";
import { RabbitMqPubSub } from "./rabbitmq/rabbitmq-pubsub.js";
import { RedisStreamsPubSub } from "./redis/redis-pubsub.js";

export const pubsubRegistry = new ComponentRegistry<PubSub>("pubsub");

pubsubRegistry.register("pubsub.in-memory", ["v1"], (ctx) => new InMemoryPubSub(ctx));
pubsubRegistry.register("pubsub.redis", ["v1"], (ctx) => new RedisStreamsPubSub(ctx));
pubsubRegistry.register("pubsub.rabbitmq", ["v1"], (ctx) => new RabbitMqPubSub(ctx));
// `pubsub.mqtt` is the name Dapr used before mqtt3 replaced it; both load the same component.
pubsubRegistry.register(["pubsub.mqtt3", "pubsub.mqtt"], ["v1"], (ctx) => new Mqtt3PubSub(ctx));
pubsubRegistry.register("pubsub.jetstream", ["v1"], (ctx) => new JetStreamPubSub(ctx));

export * from "./pubsub.js";
export { topicScopes, type TopicScopes } from "./topic-scopes.js";
export { bulkSubscribe } from "./bulk-subscribe.js";
