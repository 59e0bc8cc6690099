// The rabbitmq binding's component metadata, parsed and checked once.
import type amqp from "amqplib";
import { boolProp, intProp, prop, requiredProp, type ComponentContext } from "../../component.js";

export interface RabbitMQMetadata {
  url: string;
  queue: string;
  queueOptions: amqp.Options.AssertQueue;
  prefetch: number;
  contentType: string;
  reconnectWaitMs: number;
}

export function parseRabbitMQMetadata(ctx: ComponentContext): RabbitMQMetadata {
  const p = ctx.properties;
  const fail = (why: string) => new Error(`component ${ctx.name} (${ctx.type}): ${why}`);
  const url = prop(p, "host") || prop(p, "connectionString");
  if (!url) throw fail("missing required metadata 'host'");
  const queue = requiredProp(ctx, "queueName");
  const prefetch = intProp(p, "prefetchCount", 0);
  if (!Number.isInteger(prefetch) || prefetch < 0) throw fail("prefetchCount must be a non-negative integer");
  const ttl = intProp(p, "ttlInSeconds", 0);
  if (!Number.isInteger(ttl) || ttl < 0) throw fail("ttlInSeconds must be a non-negative integer");
  const maxPriority = intProp(p, "maxPriority", 0);
  if (!Number.isInteger(maxPriority) || maxPriority < 0) throw fail("maxPriority must be a non-negative integer");
  const reconnectWait = intProp(p, "reconnectWaitInSeconds", 5);
  if (!(reconnectWait > 0)) throw fail("reconnectWaitInSeconds must be positive");
  const args: Record<string, number> = {};
  if (ttl > 0) args["x-message-ttl"] = ttl * 1000;
  // Dapr clamps to a byte.
  if (maxPriority > 0) args["x-max-priority"] = Math.min(255, maxPriority);
  return {
    url,
    queue,
    queueOptions: {
      durable: boolProp(p, "durable", false),
      autoDelete: boolProp(p, "deleteWhenUnused", false),
      exclusive: boolProp(p, "exclusive", false),
      arguments: args,
    },
    prefetch,
    contentType: prop(p, "contentType") || "text/plain",
    reconnectWaitMs: reconnectWait * 1000,
  };
}
