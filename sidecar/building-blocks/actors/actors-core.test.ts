// ActorsCore in one process against a real HTTP app (an in-process server
// speaking Dapr's actor callbacks), the in-memory state store and local
// placement: reentrancy, idle deactivation, reminder cancel, timers dying with
// their activation, and an app that never answers under a timeout policy.
import http from "node:http";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { HttpAppChannel } from "../../app-channel/http-app-channel.js";
import { ConcurrencyLimiter } from "../../app-channel/concurrency-limiter.js";
import { ComponentHub } from "../../components/hub.js";
import { InMemoryStateStore } from "../../components/state/in-memory/in-memory-state-store.js";
import { DaprError } from "../../errors/catalog.js";
import { Logger } from "../../log/logger.js";
import { ResiliencyProvider } from "../../resiliency/index.js";
import { freePort } from "../../../test/support/services.js";
import { ActorsCore } from "./actors-core.js";
import { LocalMembership } from "./placement/local-membership.js";

const logger = new Logger({ level: "error" });
type Handler = (req: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }) => Promise<{ status?: number; headers?: Record<string, string>; body?: string }>;

let handler: Handler = async () => ({});
let server: http.Server;
let appPort = 0;
const deleted: string[] = [];

beforeAll(async () => {
  appPort = await freePort();
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      if (req.method === "DELETE") deleted.push(req.url ?? "");
      const out = await handler({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString() });
      res.writeHead(out.status ?? 200, out.headers ?? {});
      res.end(out.body ?? "");
    });
  });
  await new Promise<void>((r) => server.listen(appPort, "127.0.0.1", r));
});
afterAll(() => server.close());

const cores: ActorsCore[] = [];
afterEach(async () => {
  await Promise.all(cores.splice(0).map((c) => c.stop()));
  deleted.length = 0;
});

async function makeCore(config: Record<string, unknown>, policies = ResiliencyProvider.empty(), shared?: InMemoryStateStore): Promise<ActorsCore> {
  const hub = new ComponentHub();
  const store = shared ?? new InMemoryStateStore();
  if (!shared) await store.init();
  hub.add({ name: "s", type: "state.in-memory", version: "v1", category: "state", instance: store, capabilities: [], properties: { actorStateStore: "true" }, source: "test" });
  const appChannel = new HttpAppChannel({ host: "127.0.0.1", port: appPort, appId: "app", tls: false, healthCheckPath: "/healthz", limiter: new ConcurrencyLimiter(-1), logger });
  const core = new ActorsCore({
    rt: { appId: "app", namespace: "default", hub, logger, policies },
    membership: new LocalMembership(), appChannel, internalPort: () => 1, routingBudgetMs: 2000,
  });
  cores.push(core);
  await core.appReady(config);
  return core;
}

const call = (core: ActorsCore, id: string, method: string, headers: Record<string, string> = {}) =>
  core.invoke({ type: "T", id, method, body: Buffer.from("{}"), headers });

describe("ActorsCore (local placement)", () => {
  it("lets a reentrant call chain into its own actor, and refuses beyond the stack depth", async () => {
    const core = await makeCore({ entities: ["T"], reentrancy: { enabled: true, maxStackDepth: 3 } });
    const depths: number[] = [];
    handler = async (req) => {
      const m = /method\/down(\d+)$/.exec(req.url);
      if (!m) return {};
      const n = Number(m[1]);
      depths.push(n);
      const chain = String(req.headers["dapr-reentrancy-id"]);
      if (n > 1) {
        try {
          const r = await call(core, "r", `down${n - 1}`, { "dapr-reentrancy-id": chain });
          if (r.status !== 200) return { status: r.status, body: r.body.toString() };
        } catch (err) {
          return { status: 500, body: (err as Error).message };
        }
      }
      return { body: "ok" };
    };
    expect((await call(core, "r", "down3")).status).toBe(200);
    expect(depths).toEqual([3, 2, 1]);
    const tooDeep = await call(core, "r", "down4");
    expect(tooDeep.status).toBe(500);
    expect(tooDeep.body.toString()).toContain("maximum stack depth");
  });

  it("without reentrancy, a nested call into the same actor waits for the outer call's turn to end", async () => {
    const core = await makeCore({ entities: ["T"] });
    let inner = 0;
    handler = async (req) => {
      if (req.url.endsWith("/outer")) {
        const nested = call(core, "n", "inner").then(() => inner++);
        await new Promise((r) => setTimeout(r, 100));
        return { body: String(inner) }; // the nested call cannot have run yet
      }
      return {};
    };
    expect((await call(core, "n", "outer")).body.toString()).toBe("0");
    await new Promise((r) => setTimeout(r, 100));
    expect(inner).toBe(1);
  });

  it("deactivates an idle actor: the app gets DELETE and its timers stop", async () => {
    const core = await makeCore({ entities: ["T"], actorIdleTimeout: "1s" });
    let ticks = 0;
    handler = async (req) => {
      if (req.url.includes("/method/timer/")) ticks++;
      return {};
    };
    await call(core, "idle", "hello");
    await core.createTimer("T", "idle", "tick", { dueTime: "0s", period: "100ms" });
    await new Promise((r) => setTimeout(r, 300));
    expect(ticks).toBeGreaterThan(0);
    // Timer firings keep it busy; deleting the timer lets it go idle.
    await core.deleteTimer("T", "idle", "tick");
    const deadline = Date.now() + 5000;
    while (!deleted.includes("/actors/T/idle") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(deleted).toContain("/actors/T/idle");
    expect(core.runtimeInfo().activeActors).toEqual([]);
  });

  it("deletes a reminder the app cancels with X-DaprReminderCancel", async () => {
    const core = await makeCore({ entities: ["T"] });
    let fired = 0;
    handler = async (req) => {
      if (req.url.includes("/method/remind/")) {
        fired++;
        return { headers: { "X-DaprReminderCancel": "true" } };
      }
      return {};
    };
    await core.createReminder("T", "rc", "stop-me", { dueTime: "0s", period: "50ms" });
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      if ((await core.listReminders("T", "rc")).length === 0) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(await core.listReminders("T", "rc")).toEqual([]);
    await new Promise((r) => setTimeout(r, 200));
    expect(fired).toBe(1);
  });

  it("times out an app that never answers under the actor timeout policy, and frees the actor's turn", async () => {
    const policies = new ResiliencyProvider([{
      metadata: { name: "r" },
      spec: { policies: { timeouts: { quick: "200ms" } }, targets: { actors: { T: { timeout: "quick" } } } },
    }], { logger, appId: "app", namespace: "default" });
    const core = await makeCore({ entities: ["T"] }, policies);
    handler = async (req) => (req.url.endsWith("/hang") ? new Promise(() => {}) : { body: "fine" });
    await expect(call(core, "h", "hang")).rejects.toBeInstanceOf(DaprError);
    expect((await call(core, "h", "next")).body.toString()).toBe("fine");
  });

  it("refuses unknown types, bad durations and foreign reminder types with Dapr's errors", async () => {
    const core = await makeCore({ entities: ["T"] });
    await expect(core.invoke({ type: "Nope", id: "1", method: "m", body: Buffer.alloc(0), headers: {} })).rejects.toMatchObject({ errorCode: "ERR_ACTOR_INVOKE_METHOD" });
    await expect(core.createReminder("T", "1", "r", { period: "R0/PT1S" })).rejects.toMatchObject({ errorCode: "ERR_ACTOR_REMINDER_CREATE", httpStatus: 400 });
    await expect(core.createTimer("T", "1", "t", { dueTime: "tomorrow" })).rejects.toMatchObject({ errorCode: "ERR_ACTOR_TIMER_CREATE" });
    await expect(core.createReminder("Nope", "1", "r", { dueTime: "1s" })).rejects.toMatchObject({ errorCode: "ERR_ACTOR_REMINDER_NON_HOSTED" });
    await expect(core.transaction("T", "1", [{ operation: "bogus" as never, key: "k", metadata: {} }])).rejects.toMatchObject({ errorCode: "ERR_NOT_SUPPORTED_STATE_OPERATION" });
  });

  it("keeps reminders across a sidecar restart: a new runtime on the same store fires them", async () => {
    const store = new InMemoryStateStore();
    await store.init();
    const first = await makeCore({ entities: ["T"] }, undefined, store);
    const fired: string[] = [];
    handler = async (req) => {
      if (req.url.includes("/method/remind/")) fired.push(req.url);
      return {};
    };
    await first.createReminder("T", "durable", "later", { dueTime: "400ms", period: "100ms", data: { keep: true } });
    await first.stop();
    cores.splice(cores.indexOf(first), 1);
    expect(fired).toEqual([]);
    await makeCore({ entities: ["T"] }, undefined, store);
    const deadline = Date.now() + 5000;
    while (fired.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    expect(fired.length).toBeGreaterThanOrEqual(2);
    expect(fired[0]).toBe("/actors/T/durable/method/remind/later");
  });

  it("stores actor state under appId||type||id||key and honours ttlInSeconds", async () => {
    const store = new InMemoryStateStore();
    await store.init();
    const core = await makeCore({ entities: ["T"] }, undefined, store);
    await core.transaction("T", "s", [
      { operation: "upsert", key: "keep", value: Buffer.from('"v"'), metadata: {} },
      { operation: "upsert", key: "brief", value: Buffer.from("1"), metadata: { ttlInSeconds: "1" } },
    ]);
    expect((await core.getState("T", "s", "keep"))?.data.toString()).toBe('"v"');
    expect((await store.get({ key: "app||T||s||keep", metadata: {} }))?.data.toString()).toBe('"v"');
    expect((await core.getState("T", "s", "brief"))?.data.toString()).toBe("1");
    await new Promise((r) => setTimeout(r, 1300));
    expect(await core.getState("T", "s", "brief")).toBeUndefined();
    await core.transaction("T", "s", [{ operation: "delete", key: "keep", metadata: {} }]);
    expect(await core.getState("T", "s", "keep")).toBeUndefined();
  });
});
