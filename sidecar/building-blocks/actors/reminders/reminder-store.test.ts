import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Logger } from "../../../log/logger.js";
import { RedisStateStore } from "../../../components/state/redis/redis-state-store.js";
import { services, uniqueName } from "../../../../test/support/services.js";
import { reminderKey, ReminderStore, type StoredReminder } from "./reminder-store.js";

const reminder = (id: string, name: string): StoredReminder => ({ actorID: id, actorType: "T", name, registeredTime: new Date().toISOString(), period: "1s" });

describe("ReminderStore (Redis state store)", () => {
  let store: RedisStateStore;
  beforeAll(async () => {
    store = new RedisStateStore({
      name: "reminders", type: "state.redis", version: "v1", appId: "a", namespace: "default", logger: new Logger({ level: "error" }),
      properties: { redisHost: `${services.redis.host}:${services.redis.port}` },
    });
    await store.init();
  });
  afterAll(() => store.close());

  it("keeps every concurrent registration, from one host and from two hosts sharing the key", async () => {
    const type = uniqueName("T");
    const hostA = new ReminderStore(() => store);
    const hostB = new ReminderStore(() => store);
    const n = 200;
    await Promise.all(Array.from({ length: n }, (_, i) =>
      (i % 2 ? hostA : hostB).mutate(type, (list) => [...list, reminder(`id-${i}`, "r")])));
    const list = await hostA.list(type);
    expect(list).toHaveLength(n);
    expect(new Set(list.map((r) => r.actorID)).size).toBe(n);
    // Dapr's layout: one JSON array under actors||<type>, without an app prefix.
    const raw = await store.get({ key: reminderKey(type), metadata: {} });
    expect(Array.isArray(JSON.parse(raw!.data.toString()))).toBe(true);
  });

  it("refuses only the mutation that throws; the rest of its batch is stored", async () => {
    const type = uniqueName("T");
    const s = new ReminderStore(() => store);
    const results = await Promise.allSettled([
      s.mutate(type, (list) => [...list, reminder("x", "one")]),
      s.mutate(type, () => { throw new Error("refused"); }),
      s.mutate(type, (list) => [...list, reminder("y", "two")]),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect((await s.list(type)).map((r) => r.name).sort()).toEqual(["one", "two"]);
  });

  it("reads an absent or corrupt key as no reminders", async () => {
    const type = uniqueName("T");
    const s = new ReminderStore(() => store);
    expect(await s.list(type)).toEqual([]);
    await store.set({ key: reminderKey(type), value: Buffer.from("{}"), metadata: {}, options: {} });
    expect(await s.list(type)).toEqual([]);
  });
});
