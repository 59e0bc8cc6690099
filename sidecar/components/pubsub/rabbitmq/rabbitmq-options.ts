// Dapr's RabbitMQ pub/sub metadata (components-contrib `pubsub/rabbitmq/metadata.go`)
// with the same names and defaults: durable exchanges and queues, queues
// auto-deleted when unused, manual acks, no requeue on failure.
import { boolProp, intProp, prop, type ComponentContext } from "../../component.js";
import { consumerIdOf } from "../metadata.js";

export type ExchangeKind = "fanout" | "topic" | "direct" | "headers";

export interface RabbitSettings {
  url: string;
  consumerId: string;
  durable: boolean;
  deletedWhenUnused: boolean;
  autoAck: boolean;
  enableDeadLetter: boolean;
  requeueInFailure: boolean;
  /** 0 or 1 transient, 2 persistent. */
  deliveryMode: number;
  prefetchCount: number;
  reconnectWaitMs: number;
  exchangeKind: ExchangeKind;
  maxLen: number;
  maxLenBytes: number;
  /** Component-level `ttlInSeconds`: default per-message expiration. */
  defaultTtlSeconds?: number;
  /** "single" handles one message at a time per subscription (keeps order); "parallel" does not wait. */
  concurrencyMode: "single" | "parallel";
}

function connectionUrl(ctx: ComponentContext): string {
  const p = ctx.properties;
  const cs = prop(p, "connectionString") || prop(p, "host");
  if (cs) return cs;
  const protocol = prop(p, "protocol") || "amqp";
  const hostname = prop(p, "hostname") || "localhost";
  const username = prop(p, "username");
  const password = prop(p, "password");
  const auth = username ? `${encodeURIComponent(username)}${password ? ":" + encodeURIComponent(password) : ""}@` : "";
  return `${protocol}://${auth}${hostname}`;
}

export function rabbitSettings(ctx: ComponentContext): RabbitSettings {
  const p = ctx.properties;
  const where = `component ${ctx.name} (${ctx.type})`;
  const deliveryMode = intProp(p, "deliveryMode", 0);
  if (!Number.isInteger(deliveryMode) || deliveryMode < 0 || deliveryMode > 2) {
    throw new Error(`${where}: invalid RabbitMQ delivery mode '${prop(p, "deliveryMode")}', accepted values are between 0 and 2`);
  }
  const exchangeKind = (prop(p, "exchangeKind") || "fanout") as ExchangeKind;
  if (!["fanout", "topic", "direct", "headers"].includes(exchangeKind)) {
    throw new Error(`${where}: invalid RabbitMQ exchange kind '${exchangeKind}'`);
  }
  const concurrencyMode = (prop(p, "concurrencyMode") || "parallel") as RabbitSettings["concurrencyMode"];
  if (concurrencyMode !== "single" && concurrencyMode !== "parallel") {
    throw new Error(`${where}: invalid concurrencyMode '${concurrencyMode}', expected 'single' or 'parallel'`);
  }
  const ttlRaw = prop(p, "ttlInSeconds");
  let defaultTtlSeconds: number | undefined;
  if (ttlRaw !== undefined && ttlRaw !== "") {
    defaultTtlSeconds = Number(ttlRaw);
    if (!Number.isInteger(defaultTtlSeconds) || defaultTtlSeconds <= 0) throw new Error(`${where}: ttlInSeconds must be a positive integer, got '${ttlRaw}'`);
  }
  const nonNegative = (name: string, dflt: number) => {
    const n = intProp(p, name, dflt);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${where}: metadata '${name}' must be a non-negative integer`);
    return n;
  };
  return {
    url: connectionUrl(ctx),
    consumerId: consumerIdOf(p, ctx.appId),
    durable: boolProp(p, "durable", true),
    deletedWhenUnused: boolProp(p, "deletedWhenUnused", true),
    autoAck: boolProp(p, "autoAck", false),
    enableDeadLetter: boolProp(p, "enableDeadLetter", false),
    requeueInFailure: boolProp(p, "requeueInFailure", false),
    deliveryMode,
    prefetchCount: nonNegative("prefetchCount", 0),
    reconnectWaitMs: nonNegative("reconnectWaitSeconds", 3) * 1000,
    exchangeKind,
    maxLen: nonNegative("maxLen", 0),
    maxLenBytes: nonNegative("maxLenBytes", 0),
    defaultTtlSeconds,
    concurrencyMode,
  };
}
