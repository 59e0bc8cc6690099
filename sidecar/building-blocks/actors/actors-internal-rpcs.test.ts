// Several actor hosts in one process, each a real ActorsCore behind its own
// internal gRPC server, sharing Redis placement, each with its own HTTP app:
// reminder firings forwarded with CallActorReminder, the internal RPCs' answers,
// and timers that only the owner takes and that die when the actor moves.
import http from "node:http";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { buildInternalGrpc } from "../../api/grpc/internal-server.js";
import { daprProto, lookup } from "../../api/grpc/protos.js";
import { ConcurrencyLimiter } from "../../app-channel/concurrency-limiter.js";
import { HttpAppChannel } from "../../app-channel/http-app-channel.js";
import { ComponentHub } from "../../components/hub.js";
import { InMemoryStateStore } from "../../components/state/in-memory/in-memory-state-store.js";
import { Logger } from "../../log/logger.js";
import { ResiliencyProvider } from "../../resiliency/index.js";
import { freePort, services, uniqueName } from "../../../test/support/services.js";
import { ActorsCore } from "./actors-core.js";
import { actorsInternalGrpcHandlers, InternalActorClient } from "./actors-internal-grpc.js";
import { PlacementTable } from "./placement/placement-table.js";
import { RedisMembership } from "./placement/redis-membership.js";
import { toReminderMessage } from "./reminder-message.js";

const logger = new Logger({ level: "error" });
const namespace = uniqueName("ns");

interface Seen {
  method: string;
  url: string;
  body: string;
  at: number;
}

interface Host {
  name: string;
  core: ActorsCore;
  membership: RedisMembership;
  address: string;
  seen: Seen[];
  /** How the app answers an actor call (default 200, empty body). */
  answer: (url: string) => { status?: number; headers?: Record<string, string> };
  close(): Promise<void>;
}

const hosts: Host[] = [];

async function startHost(name: string): Promise<Host> {
  const seen: Seen[] = [];
  const host = { name, seen, answer: () => ({}) } as unknown as Host;
  const appPort = await freePort();
  const app = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      seen.push({ method: req.method ?? "", url: req.url ?? "", body: Buffer.concat(chunks).toString(), at: Date.now() });
      const out = host.answer(req.url ?? "");
      res.writeHead(out.status ?? 200, out.headers ?? {});
      res.end();
    });
  });
  await new Promise<void>((r) => app.listen(appPort, "127.0.0.1", r));

  const hub = new ComponentHub();
  const store = new InMemoryStateStore();
  await store.init();
  hub.add({ name: "s", type: "state.in-memory", version: "v1", category: "state", instance: store, capabilities: [], properties: { actorStateStore: "true" }, source: "test" });
  const membership = new RedisMembership({ url: `redis://${services.redis.host}:${services.redis.port}`, namespace, logger, ttlMs: 1500, heartbeatMs: 200 });
  let port = 0;
  const core = new ActorsCore({
    rt: { appId: "app", namespace, hub, logger, policies: ResiliencyProvider.empty() },
    membership,
    appChannel: new HttpAppChannel({ host: "127.0.0.1", port: appPort, appId: "app", tls: false, healthCheckPath: "/healthz", limiter: new ConcurrencyLimiter(-1), logger }),
    internalPort: () => port,
    routingBudgetMs: 5000,
  });
  const server = buildInternalGrpc(actorsInternalGrpcHandlers(core));
  port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  await core.appReady({ entities: ["T"], actorIdleTimeout: "1h" });
  Object.assign(host, {
    core, membership, address: `127.0.0.1:${port}`,
    close: async () => {
      await core.stop();
      await new Promise<void>((r) => server.tryShutdown(() => r()));
      app.closeAllConnections();
      await new Promise<void>((r) => app.close(() => r()));
    },
  });
  hosts.push(host);
  return host;
}

async function until(fn: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Actor ids of type T that placement (as `viewer` sees it) puts on `owner`. */
function idsOwnedBy(viewer: Host, owner: Host, count: number, prefix = "id"): string[] {
  const table = new PlacementTable(0, viewer.membership.hosts());
  const out: string[] = [];
  for (let i = 0; out.length < count && i < 10_000; i++) {
    if (table.lookup("T", `${prefix}-${i}`)?.id === owner.core.selfId) out.push(`${prefix}-${i}`);
  }
  return out;
}

type RawClient = grpc.Client & Record<string, Function>;

function internalClient(address: string): RawClient {
  const Ctor = lookup<grpc.ServiceClientConstructor>(daprProto(), "dapr.proto.internals.v1.ServiceInvocation");
  return new Ctor(address, grpc.credentials.createInsecure()) as unknown as RawClient;
}

function callReminderRpc(address: string, msg: unknown): Promise<grpc.ServiceError | null> {
  const c = internalClient(address);
  return new Promise((resolve) => c["CallActorReminder"]!(msg, (err: grpc.ServiceError | null) => {
    c.close();
    resolve(err);
  }));
}

let a: Host;
let b: Host;

beforeAll(async () => {
  a = await startHost("A");
  b = await startHost("B");
  await until(() => a.membership.hosts().length === 2 && b.membership.hosts().length === 2);
  // Both tables must agree before routing is asserted.
  await until(() => a.core.runtimeInfo().placement === b.core.runtimeInfo().placement);
}, 30_000);

afterAll(async () => {
  await Promise.allSettled(hosts.map((h) => h.close()));
});

const remindCalls = (h: Host, id: string) => h.seen.filter((s) => s.method === "PUT" && s.url.startsWith(`/actors/T/${id}/method/`));

describe("CallActorReminder", () => {
  it("forwards a firing for an actor placed on another host to that host, which runs it in its app", async () => {
    const [id] = idsOwnedBy(a, b, 1, "fwd");
    const spy = vi.spyOn(InternalActorClient.prototype, "callReminder");
    try {
      const outcome = await a.core.fireReminder({ type: "T", id: id!, name: "wake", data: { n: 1 }, dueTime: "1s", period: "" });
      expect(outcome).toBe("done");
      expect(spy).toHaveBeenCalledWith(b.address, expect.objectContaining({ id, name: "wake" }));
    } finally {
      spy.mockRestore();
    }
    expect(remindCalls(a, id!)).toEqual([]);
    const got = remindCalls(b, id!);
    expect(got.map((s) => s.url)).toEqual([`/actors/T/${id}/method/remind/wake`]);
    expect(JSON.parse(got[0]!.body)).toEqual({ dueTime: "1s", period: "", data: { n: 1 } });
  });

  it("carries the app's X-DaprReminderCancel back to the firing host, and an app failure as an error", async () => {
    const [id] = idsOwnedBy(a, b, 1, "cancel");
    b.answer = (url) => (url.endsWith("/remind/stop") ? { headers: { "X-DaprReminderCancel": "true" } } : url.endsWith("/remind/fail") ? { status: 500 } : {});
    try {
      expect(await a.core.fireReminder({ type: "T", id: id!, name: "stop", dueTime: "", period: "1s" })).toBe("cancelled");
      await expect(a.core.fireReminder({ type: "T", id: id!, name: "fail", dueTime: "", period: "1s" })).rejects.toThrow(/\(500\)/);
    } finally {
      b.answer = () => ({});
    }
  });

  it("runs on the owner only: a host the actor is not placed on refuses with UNAVAILABLE and forwards nothing", async () => {
    const [id] = idsOwnedBy(a, b, 1, "direct");
    const msg = toReminderMessage({ type: "T", id: id!, name: "r", data: "plain", dueTime: "", period: "" });
    const refused = await callReminderRpc(a.address, msg);
    expect(refused?.code).toBe(grpc.status.UNAVAILABLE);
    expect(remindCalls(a, id!)).toEqual([]);
    expect(remindCalls(b, id!)).toEqual([]);

    expect(await callReminderRpc(b.address, msg)).toBeNull();
    expect(JSON.parse(remindCalls(b, id!)[0]!.body)).toEqual({ dueTime: "", period: "", data: "plain" });

    // A forwarded timer firing (is_timer) reaches the app as timer/<name>.
    const timer = toReminderMessage({ type: "T", id: id!, name: "tick", dueTime: "", period: "", isTimer: true });
    expect(await callReminderRpc(b.address, timer)).toBeNull();
    const tick = remindCalls(b, id!).find((s) => s.url.endsWith("/method/timer/tick"));
    expect(JSON.parse(tick!.body)).toEqual({ callback: "", dueTime: "", period: "" });

    b.answer = () => ({ headers: { "X-DaprReminderCancel": "true" } });
    try {
      const cancelled = await callReminderRpc(b.address, msg);
      expect(cancelled?.details).toBe("reminder has been canceled");
    } finally {
      b.answer = () => ({});
    }
    const bad = await callReminderRpc(b.address, { actor_type: "T", actor_id: "", name: "r" });
    expect(bad?.code).toBe(grpc.status.INVALID_ARGUMENT);
  });
});

describe("CallActorStream", () => {
  it("answers UNIMPLEMENTED, saying why", async () => {
    const c = internalClient(b.address);
    const err = await new Promise<grpc.ServiceError>((resolve) => {
      const stream = c["CallActorStream"]!({ actor: { actor_type: "T", actor_id: "x" }, message: { method: "m" } });
      stream.on("data", () => {});
      stream.on("error", resolve);
    });
    c.close();
    expect(err.code).toBe(grpc.status.UNIMPLEMENTED);
    expect(err.details).toMatch(/workflow actors/);
  });
});

describe("timers across hosts", () => {
  it("are taken only by the actor's owner; another host answers ERR_ACTOR_TIMER_CREATE", async () => {
    const [id] = idsOwnedBy(a, b, 1, "timer");
    await expect(a.core.createTimer("T", id!, "t", { dueTime: "0s", period: "1h" })).rejects.toMatchObject({
      errorCode: "ERR_ACTOR_TIMER_CREATE", httpStatus: 500, message: expect.stringContaining("only possible on the host that owns the actor"),
    });
    await expect(a.core.createTimer("NotHosted", id!, "t", { dueTime: "0s" })).rejects.toMatchObject({
      errorCode: "ERR_ACTOR_TIMER_CREATE", message: expect.stringContaining("actor type not registered"),
    });
    await b.core.createTimer("T", id!, "t", { dueTime: "0s", period: "1h", callback: "cb", data: { v: 2 } });
    await until(() => remindCalls(b, id!).some((s) => s.url.endsWith("/method/timer/t")));
    const fired = remindCalls(b, id!).find((s) => s.url.endsWith("/method/timer/t"))!;
    expect(JSON.parse(fired.body)).toEqual({ callback: "cb", dueTime: "0s", period: "1h", data: { v: 2 } });
    expect(remindCalls(a, id!)).toEqual([]);
    await a.core.deleteTimer("T", id!, "t"); // not held here: succeeds, does nothing
    await b.core.deleteTimer("T", id!, "t");
  });

  it("die when their actor moves to a new host: the old host deactivates it, the new one never fires them", async () => {
    const ids = idsOwnedBy(b, b, 24, "move");
    for (const id of ids) await b.core.createTimer("T", id, "beat", { dueTime: "0s", period: "100ms" });
    await until(() => ids.every((id) => remindCalls(b, id).length >= 2));

    const c = await startHost("C");
    await until(() => [a, b, c].every((h) => h.membership.hosts().length === 3));
    const moved = ids.filter((id) => new PlacementTable(0, c.membership.hosts()).lookup("T", id)?.id === c.core.selfId);
    const stayed = ids.filter((id) => !moved.includes(id));
    expect(moved.length).toBeGreaterThan(0);
    expect(stayed.length).toBeGreaterThan(0);
    await until(() => moved.every((id) => b.seen.some((s) => s.method === "DELETE" && s.url === `/actors/T/${id}`)));
    await new Promise((r) => setTimeout(r, 600));
    for (const id of moved) {
      const deletedAt = b.seen.find((s) => s.method === "DELETE" && s.url === `/actors/T/${id}`)!.at;
      expect(remindCalls(b, id).filter((s) => s.at > deletedAt), id).toEqual([]);
      expect(remindCalls(c, id), id).toEqual([]);
    }
    // The actors that stayed keep their timers.
    const since = Date.now() - 400;
    for (const id of stayed) expect(remindCalls(b, id).some((s) => s.at > since), id).toBe(true);
  }, 40_000);
});
