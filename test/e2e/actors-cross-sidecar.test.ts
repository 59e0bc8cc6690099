// Actors across real sidecar processes sharing Redis placement: two HTTP apps
// hosting one type, and a gRPC app (a grpc-js AppCallback server) whose sidecar,
// as daprd's, hosts no actors but calls them. This test process also plays a
// third sidecar on the internal port (CallActorReminder, CallActorStream).
import http from "node:http";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { daprProto, lookup } from "../../sidecar/api/grpc/protos.js";
import { startSidecar, type SidecarProcess } from "../support/sidecar-process.js";
import { redisComponentDir } from "../support/resources.js";
import { freePort, uniqueName } from "../support/services.js";

const TYPE = uniqueName("CrossActor");
const namespace = uniqueName("ns");

interface Seen {
  method: string;
  url: string;
  body: string;
  headers: http.IncomingHttpHeaders;
}

interface HttpHost {
  name: string;
  seen: Seen[];
  /** Extra response headers per request URL (e.g. X-DaprReminderCancel). */
  headersFor: (url: string) => Record<string, string>;
  server: http.Server;
  internalPort: number;
  sidecar?: SidecarProcess;
}

function resourcesDir(): string {
  return redisComponentDir("actorstore", "state.redis", { actorStateStore: "true", actorPlacement: "redis" });
}

const resDir = resourcesDir();

async function startHttpHost(name: string): Promise<HttpHost> {
  const host: HttpHost = { name, seen: [], headersFor: () => ({}), server: undefined as unknown as http.Server, internalPort: await freePort() };
  host.server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = req.url ?? "";
      if (req.method === "GET" && url === "/dapr/config") {
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify({ entities: [TYPE], actorIdleTimeout: "1h" }));
        return;
      }
      host.seen.push({ method: req.method ?? "", url, body: Buffer.concat(chunks).toString(), headers: req.headers });
      if (!url.startsWith(`/actors/${TYPE}/`)) {
        res.statusCode = 404;
        res.end();
        return;
      }
      res.writeHead(200, host.headersFor(url));
      res.end(url.endsWith("/method/where") ? name : "");
    });
  });
  const appPort = await freePort();
  await new Promise<void>((r) => host.server.listen(appPort, "127.0.0.1", r));
  host.sidecar = await startSidecar({
    appId: "cross-http", resourcesPaths: [resDir], env: { NAMESPACE: namespace },
    args: ["--app-port", String(appPort), "--dapr-internal-grpc-port", String(host.internalPort)],
  });
  return host;
}

/** The gRPC app: every OnInvoke it receives is recorded; it has no subscriptions or bindings. */
async function startGrpcApp(): Promise<{ server: grpc.Server; port: number; invoked: string[] }> {
  const invoked: string[] = [];
  const server = new grpc.Server();
  const AppCallback = lookup<grpc.ServiceClientConstructor>(daprProto(), "dapr.proto.runtime.v1.AppCallback");
  server.addService(AppCallback.service, {
    OnInvoke: (call: grpc.ServerUnaryCall<{ method: string }, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      invoked.push(call.request.method);
      cb(null, { data: { type_url: "", value: Buffer.from("grpc-app") }, content_type: "text/plain" });
    },
    ListTopicSubscriptions: (_c: unknown, cb: grpc.sendUnaryData<unknown>) => cb(null, { subscriptions: [] }),
    ListInputBindings: (_c: unknown, cb: grpc.sendUnaryData<unknown>) => cb(null, { bindings: [] }),
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  return { server, port, invoked };
}

async function waitActorRuntime(sc: SidecarProcess, hosting: boolean): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const md = (await (await sc.http("/v1.0/metadata")).json()) as { actorRuntime: { runtimeStatus: string; hostReady: boolean } };
    if (md.actorRuntime.runtimeStatus === "RUNNING" && (!hosting || md.actorRuntime.hostReady)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`actor runtime not running after 60 s:\n${sc.logs()}`);
}

type RawClient = grpc.Client & Record<string, Function>;

function client(service: string, address: string): RawClient {
  const Ctor = lookup<grpc.ServiceClientConstructor>(daprProto(), service);
  return new Ctor(address, grpc.credentials.createInsecure()) as unknown as RawClient;
}

function unaryCall<T>(c: RawClient, method: string, req: unknown): Promise<{ err: grpc.ServiceError | null; res?: T }> {
  return new Promise((resolve) => c[method]!(req, (err: grpc.ServiceError | null, res: T) => resolve({ err, res })));
}

let h1: HttpHost;
let h2: HttpHost;
let grpcApp: Awaited<ReturnType<typeof startGrpcApp>>;
let g: SidecarProcess;

beforeAll(async () => {
  h1 = await startHttpHost("H1");
  h2 = await startHttpHost("H2");
  grpcApp = await startGrpcApp();
  g = await startSidecar({
    appId: "cross-grpc", resourcesPaths: [resDir], env: { NAMESPACE: namespace },
    args: ["--app-port", String(grpcApp.port), "--app-protocol", "grpc"],
  });
  await Promise.all([waitActorRuntime(h1.sidecar!, true), waitActorRuntime(h2.sidecar!, true), waitActorRuntime(g, false)]);
}, 120_000);

afterAll(async () => {
  await Promise.allSettled([h1?.sidecar?.stop(), h2?.sidecar?.stop(), g?.stop()]);
  h1?.server.close();
  h2?.server.close();
  grpcApp?.server.forceShutdown();
});

/** Calls `where` through `via`: activates the actor on its owner and names it. */
async function ownerOf(id: string, via: SidecarProcess = h1.sidecar!): Promise<HttpHost> {
  const r = await via.http(`/v1.0/actors/${TYPE}/${id}/method/where`, { method: "PUT" });
  expect(r.status).toBe(200);
  return (await r.text()) === "H1" ? h1 : h2;
}

/** An id whose owner is each of the two hosts, first the one owned by `want`. */
async function idOwnedBy(want: HttpHost, prefix: string): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const id = `${prefix}-${i}`;
    if ((await ownerOf(id)) === want) return id;
  }
  throw new Error(`no id placed on ${want.name}`);
}

const actorCalls = (h: HttpHost, id: string) => h.seen.filter((s) => s.url.startsWith(`/actors/${TYPE}/${id}/method/`) && !s.url.endsWith("/where"));

describe("a gRPC app's sidecar (actor callbacks are HTTP-only in Dapr)", () => {
  it("never asks its app for an actor configuration or sends it actor calls, hosts nothing, and still calls actors hosted elsewhere", async () => {
    const md = (await (await g.http("/v1.0/metadata")).json()) as { actorRuntime: { runtimeStatus: string; activeActors: unknown[] } };
    expect(md.actorRuntime.runtimeStatus).toBe("RUNNING");
    expect(md.actorRuntime.activeActors).toEqual([]);

    const dapr = client("dapr.proto.runtime.v1.Dapr", `127.0.0.1:${g.grpcPort}`);
    const { err, res } = await unaryCall<{ data: Buffer }>(dapr, "InvokeActor", { actor_type: TYPE, actor_id: "from-grpc", method: "where", data: Buffer.alloc(0), metadata: {} });
    dapr.close();
    expect(err).toBeNull();
    expect(["H1", "H2"]).toContain(res!.data.toString());

    // Timers belong to hosts of the type: this sidecar hosts none.
    const t = await g.http(`/v1.0/actors/${TYPE}/from-grpc/timers/t`, { method: "POST", body: JSON.stringify({ dueTime: "1s" }) });
    expect(t.status).toBe(500);
    expect(await t.json()).toMatchObject({ errorCode: "ERR_ACTOR_TIMER_CREATE", message: expect.stringContaining("actor type not registered") });

    expect(grpcApp.invoked.filter((m) => m === "dapr/config" || m.startsWith("actors/"))).toEqual([]);
  });

  it("does not serve SubscribeActorEventsAlpha1, which the published proto set does not define", async () => {
    const raw = new grpc.Client(`127.0.0.1:${g.grpcPort}`, grpc.credentials.createInsecure());
    const err = await new Promise<grpc.ServiceError>((resolve) => {
      const stream = raw.makeBidiStreamRequest("/dapr.proto.runtime.v1.Dapr/SubscribeActorEventsAlpha1", (b: Buffer) => b, (b: Buffer) => b);
      stream.on("data", () => {});
      stream.on("error", resolve);
      stream.write(Buffer.alloc(0));
    });
    raw.close();
    expect(err.code).toBe(grpc.status.UNIMPLEMENTED);
  });
});

describe("timers through a sidecar that does not own the actor", () => {
  it("are refused there with ERR_ACTOR_TIMER_CREATE, as in Dapr, and fire in the owner's app when registered on the owner", async () => {
    const id = await idOwnedBy(h2, "timer");
    const refused = await h1.sidecar!.http(`/v1.0/actors/${TYPE}/${id}/timers/beat`, { method: "POST", body: JSON.stringify({ dueTime: "0s", period: "1h" }) });
    expect(refused.status).toBe(500);
    expect(await refused.json()).toMatchObject({ errorCode: "ERR_ACTOR_TIMER_CREATE", message: expect.stringContaining("only possible on the host that owns the actor") });

    const ok = await h2.sidecar!.http(`/v1.0/actors/${TYPE}/${id}/timers/beat`, { method: "POST", body: JSON.stringify({ dueTime: "0s", period: "1h", data: { k: 1 } }) });
    expect(ok.status).toBe(204);
    const deadline = Date.now() + 10_000;
    while (!actorCalls(h2, id).some((s) => s.url.endsWith("/method/timer/beat")) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    const fired = actorCalls(h2, id).find((s) => s.url.endsWith("/method/timer/beat"));
    expect(JSON.parse(fired!.body)).toEqual({ callback: "", dueTime: "0s", period: "1h", data: { k: 1 } });
    expect(actorCalls(h1, id)).toEqual([]);
    // Deleting it through the non-owner is a no-op success, as in Dapr.
    expect((await h1.sidecar!.http(`/v1.0/actors/${TYPE}/${id}/timers/beat`, { method: "DELETE" })).status).toBe(204);
    expect((await h2.sidecar!.http(`/v1.0/actors/${TYPE}/${id}/timers/beat`, { method: "DELETE" })).status).toBe(204);
  });
});

describe("internal RPCs between sidecars", () => {
  const reminder = (id: string, name: string) => ({
    actor_type: TYPE, actor_id: id, name, period: "", due_time: "2s",
    // Dapr's encoding: an Any holding a BytesValue (field 1) of the data's JSON.
    data: { type_url: "type.googleapis.com/google.protobuf.BytesValue", value: Buffer.concat([Buffer.from([0x0a, 9]), Buffer.from('{"n":42}')]) },
  });

  it("CallActorReminder runs the firing in the owner's app, is refused with UNAVAILABLE elsewhere, and returns an app cancel as Dapr's error", async () => {
    const id = await idOwnedBy(h1, "remind");
    const other = client("dapr.proto.internals.v1.ServiceInvocation", `127.0.0.1:${h2.internalPort}`);
    const owner = client("dapr.proto.internals.v1.ServiceInvocation", `127.0.0.1:${h1.internalPort}`);
    try {
      const refused = await unaryCall(other, "CallActorReminder", reminder(id, "wake"));
      expect(refused.err?.code).toBe(grpc.status.UNAVAILABLE);
      expect(actorCalls(h2, id)).toEqual([]);
      expect(actorCalls(h1, id)).toEqual([]);

      expect((await unaryCall(owner, "CallActorReminder", reminder(id, "wake"))).err).toBeNull();
      const got = actorCalls(h1, id);
      expect(got.map((s) => `${s.method} ${s.url}`)).toEqual([`PUT /actors/${TYPE}/${id}/method/remind/wake`]);
      expect(JSON.parse(got[0]!.body)).toEqual({ dueTime: "2s", period: "", data: { n: 42 } });

      h1.headersFor = (url): Record<string, string> => (url.endsWith("/remind/stop") ? { "X-DaprReminderCancel": "true" } : {});
      const cancelled = await unaryCall(owner, "CallActorReminder", reminder(id, "stop"));
      expect(cancelled.err?.details).toBe("reminder has been canceled");
    } finally {
      h1.headersFor = () => ({});
      other.close();
      owner.close();
    }
  });

  it("CallActorStream answers UNIMPLEMENTED, naming the reason", async () => {
    const c = client("dapr.proto.internals.v1.ServiceInvocation", `127.0.0.1:${h1.internalPort}`);
    const err = await new Promise<grpc.ServiceError>((resolve) => {
      const s = c["CallActorStream"]!({ actor: { actor_type: TYPE, actor_id: "s" }, message: { method: "m" } });
      s.on("data", () => {});
      s.on("error", resolve);
    });
    c.close();
    expect(err.code).toBe(grpc.status.UNIMPLEMENTED);
    expect(err.details).toMatch(/CallActorStream/);
  });
});
