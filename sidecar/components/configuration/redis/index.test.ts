// configuration.redis against a Redis the test owns, so it can restart it.
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOwnedRedis, type OwnedRedis } from "../../../../test/support/services.js";
import { componentContext } from "../../../../test/support/component-context.js";
import { sleep } from "../../../../test/support/wait.js";
import type { ConfigurationUpdateEvent } from "../configuration-store.js";
import { RedisConfigurationStore } from "./index.js";

let server: OwnedRedis;
beforeAll(async () => { server = await startOwnedRedis(); });
afterAll(() => server?.stop());

async function until(pred: () => boolean, ms: number, step?: () => Promise<unknown>): Promise<void> {
  const end = performance.now() + ms;
  while (!pred()) {
    if (performance.now() > end) throw new Error("timed out");
    await step?.().catch(() => {});
    await sleep(100);
  }
}

describe("configuration.redis", () => {
  it("turns keyspace notifications on, and keeps its subscription across a server restart", async () => {
    const raw = new Redis({ port: server.port, lazyConnect: true, maxRetriesPerRequest: 1 });
    raw.on("error", () => {});
    await raw.connect();
    await raw.config("SET", "notify-keyspace-events", "");
    const store = new RedisConfigurationStore(componentContext({ name: "cfg", type: "configuration.redis", properties: { redisHost: `127.0.0.1:${server.port}` }, appId: "app" }));
    await store.init();
    const events: ConfigurationUpdateEvent[] = [];
    try {
      await store.subscribe({ keys: ["color"], metadata: {} }, (e) => { events.push(e); });
      const flags = ((await raw.config("GET", "notify-keyspace-events")) as string[])[1];
      expect(flags).toContain("K");
      expect(flags).toContain("A");

      await server.kill();
      await server.start();
      await until(() => raw.status === "ready", 5000);
      await until(() => events.some((e) => e.items.color?.value === "green"), 8000, () => raw.set("color", "green||5"));
      expect(events.find((e) => e.items.color?.value === "green")!.items.color.version).toBe("5");
    } finally {
      await store.close();
      raw.disconnect();
    }
  }, 20_000);
});
