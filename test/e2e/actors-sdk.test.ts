// The official SDK on both sides of actors: an AbstractActor hosted by
// DaprServer (HTTP app), called through ActorProxyBuilder, with actor state,
// a timer and a durable reminder, plus the actor API's bad-input answers.
import * as grpc from "@grpc/grpc-js";
import { AbstractActor, ActorId, ActorProxyBuilder, CommunicationProtocolEnum, DaprClient, DaprServer } from "@dapr/dapr";
import { daprProto, lookup } from "../../sidecar/api/grpc/protos.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSidecar, type SidecarProcess } from "../support/sidecar-process.js";
import { freePort, uniqueName } from "../support/services.js";

const quiet = { level: 0 as never };
type Duration = Parameters<AbstractActor["registerActorReminder"]>[1];
/** The SDK only calls toString() on its Temporal durations (ISO 8601), so a plain object will do. */
const iso = (s: string) => ({ toString: () => s }) as unknown as Duration;
const errorCode = async (r: Response) => ((await r.json()) as { errorCode: string }).errorCode;
const timerFirings: Record<string, unknown[]> = {};
const reminderFirings: Record<string, unknown[]> = {};

interface ICounter {
  increment(by: number): Promise<number>;
  get(): Promise<number>;
  startTimer(): Promise<void>;
  stopTimer(): Promise<void>;
  startReminder(): Promise<void>;
  stopReminder(): Promise<void>;
}

class SdkCounterActor extends AbstractActor implements ICounter {
  async increment(by: number): Promise<number> {
    const sm = this.getStateManager<number>();
    const [has, v] = await sm.tryGetState("count");
    const next = (has ? (v ?? 0) : 0) + by;
    await sm.setState("count", next);
    return next;
  }
  async get(): Promise<number> {
    const [has, v] = await this.getStateManager<number>().tryGetState("count");
    return has ? (v ?? 0) : 0;
  }
  async startTimer(): Promise<void> {
    await this.registerActorTimer("tick", "onTick", iso("PT0.1S"), iso("PT0.2S"), undefined, { from: "timer" });
  }
  async stopTimer(): Promise<void> {
    await this.unregisterActorTimer("tick");
  }
  async onTick(data: unknown): Promise<void> {
    (timerFirings[this.getActorId().getId()] ??= []).push(data);
  }
  async startReminder(): Promise<void> {
    await this.registerActorReminder("nudge", iso("PT0.1S"), iso("PT0.3S"), undefined, { from: "reminder" });
  }
  async stopReminder(): Promise<void> {
    await this.unregisterActorReminder("nudge");
  }
  override async receiveReminder(data: unknown): Promise<void> {
    (reminderFirings[this.getActorId().getId()] ??= []).push(data);
  }
}

async function until(fn: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("SDK actors over HTTP", () => {
  let sidecar: SidecarProcess;
  let server: DaprServer;
  let client: DaprClient;
  let builder: ActorProxyBuilder<ICounter>;

  beforeAll(async () => {
    const appPort = await freePort();
    sidecar = await startSidecar({ appId: uniqueName("actors-sdk"), args: ["--app-port", String(appPort)], waitReady: false });
    server = new DaprServer({
      serverHost: "127.0.0.1", serverPort: String(appPort), communicationProtocol: CommunicationProtocolEnum.HTTP,
      clientOptions: { daprHost: "127.0.0.1", daprPort: String(sidecar.httpPort), communicationProtocol: CommunicationProtocolEnum.HTTP, logger: quiet },
      logger: quiet,
    });
    await server.actor.init();
    await server.actor.registerActor(SdkCounterActor);
    await server.start();
    await sidecar.ready();
    client = new DaprClient({ daprHost: "127.0.0.1", daprPort: String(sidecar.httpPort), communicationProtocol: CommunicationProtocolEnum.HTTP, logger: quiet });
    builder = new ActorProxyBuilder<ICounter>(SdkCounterActor, client);
    // The actor runtime starts once the sidecar has read /dapr/config.
    for (;;) {
      const md = await (await sidecar.http("/v1.0/metadata")).json() as { actorRuntime: { runtimeStatus: string } };
      if (md.actorRuntime.runtimeStatus === "RUNNING") break;
      await new Promise((r) => setTimeout(r, 50));
    }
  });
  afterAll(async () => {
    await sidecar?.stop();
    await server?.stop().catch(() => {});
  });

  it("invokes methods through ActorProxyBuilder and keeps state in the actor state store", async () => {
    const id = uniqueName("c");
    const actor = builder.build(new ActorId(id));
    expect(await actor.increment(2)).toBe(2);
    expect(await actor.increment(3)).toBe(5);
    expect(await actor.get()).toBe(5);
    // The state API reads Dapr's key layout through the sidecar.
    const r = await sidecar.http(`/v1.0/actors/SdkCounterActor/${id}/state/count`);
    expect(r.status).toBe(200);
    expect(await r.json()).toBe(5);
    const missing = await sidecar.http(`/v1.0/actors/SdkCounterActor/${id}/state/nothing-here`);
    expect(missing.status).toBe(204);
  });

  it("fires a timer with its data until it is unregistered", async () => {
    const id = uniqueName("t");
    const actor = builder.build(new ActorId(id));
    await actor.startTimer();
    await until(() => (timerFirings[id]?.length ?? 0) >= 3);
    await actor.stopTimer();
    const after = timerFirings[id]!.length;
    await new Promise((r) => setTimeout(r, 600));
    expect(timerFirings[id]!.length).toBeLessThanOrEqual(after + 1);
  });

  it("fires a durable reminder, shows it through the API, and stops it when unregistered", async () => {
    const id = uniqueName("r");
    const actor = builder.build(new ActorId(id));
    await actor.startReminder();
    const got = await sidecar.http(`/v1.0/actors/SdkCounterActor/${id}/reminders/nudge`);
    expect(got.status).toBe(200);
    expect(await got.json()).toMatchObject({ period: expect.any(String), data: expect.anything() });
    await until(() => (reminderFirings[id]?.length ?? 0) >= 2);
    // (The SDK's BufferSerializer turns a JSON object `data` into "[object Object]"; the raw
    // callback body is checked in actors-placement.test.ts.)
    await actor.stopReminder();
    const after = reminderFirings[id]!.length;
    await new Promise((r) => setTimeout(r, 800));
    expect(reminderFirings[id]!.length).toBeLessThanOrEqual(after + 1);
    expect((await sidecar.http(`/v1.0/actors/SdkCounterActor/${id}/reminders/nudge`)).status).toBe(404);
  });

  it("reports the hosted type in the metadata API", async () => {
    const md = await (await sidecar.http("/v1.0/metadata")).json() as { actorRuntime: { runtimeStatus: string; hostReady: boolean; activeActors: { type: string; count: number }[] } };
    expect(md.actorRuntime.runtimeStatus).toBe("RUNNING");
    expect(md.actorRuntime.hostReady).toBe(true);
    expect(md.actorRuntime.activeActors.find((a) => a.type === "SdkCounterActor")?.count).toBeGreaterThan(0);
  });

  describe("bad input", () => {
    it("answers an unknown actor type with Dapr's error, and keeps serving", async () => {
      const r = await sidecar.http("/v1.0/actors/NoSuchType/1/method/anything", { method: "POST" });
      expect(r.status).toBe(500);
      expect(await errorCode(r)).toBe("ERR_ACTOR_INVOKE_METHOD");
      const actor = builder.build(new ActorId(uniqueName("alive")));
      expect(await actor.increment(1)).toBe(1);
    });

    it("refuses invalid reminder and timer durations", async () => {
      const id = uniqueName("bad");
      for (const body of [{ dueTime: "soon" }, { period: "every day" }, { period: "R0/PT1S" }, { dueTime: "1s", ttl: "2000-01-01T00:00:00Z" }]) {
        const r = await sidecar.http(`/v1.0/actors/SdkCounterActor/${id}/reminders/x`, { method: "POST", body: JSON.stringify(body) });
        expect(r.status, JSON.stringify(body)).toBe(400);
        expect(await errorCode(r)).toBe("ERR_ACTOR_REMINDER_CREATE");
      }
      await builder.build(new ActorId(id)).get(); // activate it here, so the timer has a host
      const t = await sidecar.http(`/v1.0/actors/SdkCounterActor/${id}/timers/x`, { method: "POST", body: JSON.stringify({ period: "1 minute" }) });
      expect(t.status).toBe(500); // daprd answers every timer creation error with 500
      expect(await errorCode(t)).toBe("ERR_ACTOR_TIMER_CREATE");
      const notJson = await sidecar.http(`/v1.0/actors/SdkCounterActor/${id}/reminders/x`, { method: "POST", body: "{nope" });
      expect(notJson.status).toBe(400);
    });

    it("refuses a reminder name that already exists with different data, accepts the same one again", async () => {
      const id = uniqueName("dup");
      const path = `/v1.0/actors/SdkCounterActor/${id}/reminders/once`;
      const first = { dueTime: "1h", data: { v: 1 } };
      expect((await sidecar.http(path, { method: "POST", body: JSON.stringify(first) })).status).toBe(204);
      expect((await sidecar.http(path, { method: "POST", body: JSON.stringify(first) })).status).toBe(204);
      const other = await sidecar.http(path, { method: "POST", body: JSON.stringify({ dueTime: "1h", data: { v: 2 } }) });
      expect(other.status).toBe(409);
      expect(await errorCode(other)).toBe("ERR_ACTOR_REMINDER_CREATE");
      expect((await sidecar.http(path, { method: "POST", body: JSON.stringify({ dueTime: "1h", data: { v: 2 }, overwrite: true }) })).status).toBe(204);
      expect(await (await sidecar.http(path)).json()).toMatchObject({ data: { v: 2 } });
      expect((await sidecar.http(path, { method: "DELETE" })).status).toBe(204);
    });

    it("refuses reminders for a type this app does not host", async () => {
      const r = await sidecar.http("/v1.0/actors/NoSuchType/1/reminders/x", { method: "POST", body: JSON.stringify({ dueTime: "1s" }) });
      expect(r.status).toBe(403);
      expect(await errorCode(r)).toBe("ERR_ACTOR_REMINDER_NON_HOSTED");
    });

    it("refuses a malformed state transaction", async () => {
      const id = uniqueName("tx");
      const r = await sidecar.http(`/v1.0/actors/SdkCounterActor/${id}/state`, { method: "POST", body: JSON.stringify([{ operation: "explode", request: { key: "k" } }]) });
      expect(r.status).toBe(400);
      const r2 = await sidecar.http(`/v1.0/actors/SdkCounterActor/${id}/state`, { method: "POST", body: JSON.stringify({ not: "an array" }) });
      expect(r2.status).toBe(400);
    });
  });

  describe("over gRPC (the actor RPCs of the Dapr service)", () => {
    let c: any;
    const rpc = (name: string, req: unknown) => new Promise<any>((resolve, reject) => c[name](req, (e: grpc.ServiceError | null, r: unknown) => (e ? reject(e) : resolve(r))));
    beforeAll(() => {
      const Ctor = lookup<grpc.ServiceClientConstructor>(daprProto(), "dapr.proto.runtime.v1.Dapr");
      c = new Ctor(`127.0.0.1:${sidecar.grpcPort}`, grpc.credentials.createInsecure());
    });
    afterAll(() => c?.close());

    it("invokes, writes and reads state, and manages reminders and timers", async () => {
      const id = uniqueName("g");
      await builder.build(new ActorId(id)).increment(4);
      const inv = await rpc("InvokeActor", { actor_type: "SdkCounterActor", actor_id: id, method: "get", data: Buffer.alloc(0) });
      expect(JSON.parse(inv.data.toString())).toBe(4);
      await rpc("ExecuteActorStateTransaction", {
        actor_type: "SdkCounterActor", actor_id: id,
        operations: [{ operationType: "upsert", key: "extra", value: { type_url: "", value: Buffer.from(JSON.stringify({ a: 1 })) } }],
      });
      const st = await rpc("GetActorState", { actor_type: "SdkCounterActor", actor_id: id, key: "extra" });
      expect(JSON.parse(st.data.toString())).toEqual({ a: 1 });

      await rpc("RegisterActorReminder", { actor_type: "SdkCounterActor", actor_id: id, name: "g1", due_time: "1h", period: "R2/PT1H", data: Buffer.from(JSON.stringify({ g: 1 })) });
      await rpc("RegisterActorReminder", { actor_type: "SdkCounterActor", actor_id: id, name: "g2", due_time: "1h" });
      const one = await rpc("GetActorReminder", { actor_type: "SdkCounterActor", actor_id: id, name: "g1" });
      expect(one).toMatchObject({ actor_type: "SdkCounterActor", actor_id: id, period: "R2/PT1H" });
      expect(JSON.parse(one.data.value.toString())).toEqual({ g: 1 });
      const list = await rpc("ListActorReminders", { actor_type: "SdkCounterActor", actor_id: id });
      expect(list.reminders.map((r: { name: string }) => r.name).sort()).toEqual(["g1", "g2"]);
      await rpc("UnregisterActorReminder", { actor_type: "SdkCounterActor", actor_id: id, name: "g1" });
      await rpc("UnregisterActorRemindersByType", { actor_type: "SdkCounterActor", actor_id: id });
      expect((await rpc("ListActorReminders", { actor_type: "SdkCounterActor", actor_id: id })).reminders).toEqual([]);
      await expect(rpc("GetActorReminder", { actor_type: "SdkCounterActor", actor_id: id, name: "g1" })).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });

      await rpc("RegisterActorTimer", { actor_type: "SdkCounterActor", actor_id: id, name: "gt", due_time: "0s", period: "100ms", callback: "onTick", data: Buffer.from(JSON.stringify({ t: 1 })) });
      await until(() => (timerFirings[id]?.length ?? 0) >= 2);
      await rpc("UnregisterActorTimer", { actor_type: "SdkCounterActor", actor_id: id, name: "gt" });
    });

    it("answers bad input with gRPC statuses", async () => {
      await expect(rpc("InvokeActor", { actor_type: "NoSuchType", actor_id: "1", method: "m" })).rejects.toMatchObject({ code: grpc.status.INTERNAL });
      await expect(rpc("RegisterActorReminder", { actor_type: "SdkCounterActor", actor_id: "1", name: "b", period: "nope" })).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
      // daprd wraps every timer creation error in ErrActorTimerCreate (INTERNAL).
      await expect(rpc("RegisterActorTimer", { actor_type: "SdkCounterActor", actor_id: "1", name: "b", due_time: "nope" })).rejects.toMatchObject({ code: grpc.status.INTERNAL });
    });
  });
});
