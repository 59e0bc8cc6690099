import { describe, it, expect } from "vitest";
import { silentLogger } from "../../log/logger.js";
import { pubsubRegistry } from "./index.js";

const ctx = (type: string, version = "v1", properties: Record<string, string> = {}) => ({
  name: "p",
  type,
  version,
  properties,
  appId: "app",
  namespace: "default",
  logger: silentLogger,
});

describe("pubsubRegistry", () => {
  it("knows every component, with Dapr's type names and the mqtt alias", () => {
    expect(pubsubRegistry.knownTypes()).toEqual([
      "pubsub.in-memory",
      "pubsub.jetstream",
      "pubsub.mqtt",
      "pubsub.mqtt3",
      "pubsub.rabbitmq",
      "pubsub.redis",
    ]);
    expect(pubsubRegistry.create(ctx("pubsub.mqtt")).constructor).toBe(pubsubRegistry.create(ctx("pubsub.mqtt3")).constructor);
  });

  it("rejects unknown types and versions with a helpful message", () => {
    expect(() => pubsubRegistry.create(ctx("pubsub.kafka"))).toThrow(/known pubsub types: pubsub.in-memory/);
    expect(() => pubsubRegistry.create(ctx("pubsub.redis", "v9"))).toThrow(/unknown version 'v9'/);
  });

  it("reports bad in-memory metadata on init", async () => {
    await expect(pubsubRegistry.create(ctx("pubsub.in-memory", "v1", { concurrency: "0" })).init()).rejects.toThrow(/concurrency/);
    await expect(pubsubRegistry.create(ctx("pubsub.in-memory", "v1", { redeliverInterval: "later" })).init()).rejects.toThrow(/redeliverInterval/);
  });

  it("refuses to work before init and after close", async () => {
    const c = pubsubRegistry.create(ctx("pubsub.in-memory"));
    await expect(c.publish({ topic: "t", data: Buffer.from("x"), metadata: {} })).rejects.toThrow(/init/);
    await c.init();
    await c.close();
    await expect(c.subscribe({ topic: "t", metadata: {} }, async () => {})).rejects.toThrow(/closed/);
  });
});
