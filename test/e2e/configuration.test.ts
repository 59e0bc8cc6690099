// The configuration API end to end on configuration.redis: reads over HTTP
// (v1.0 and alpha1) and through the SDK over gRPC; a change written to Redis
// reaches an HTTP subscriber (POST /configuration/<store>/<key> on the app)
// and a gRPC stream within 1 s; unsubscribing stops delivery; bad input
// answers Dapr's codes.
import { CommunicationProtocolEnum, DaprClient } from "@dapr/dapr";
import * as grpc from "@grpc/grpc-js";
import { Redis } from "ioredis";
import { mkdtempSync, writeFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { daprProto, lookup } from "../../sidecar/api/grpc/protos.js";
import { startSidecar, type SidecarProcess } from "../support/sidecar-process.js";
import { freePort, services, uniqueName } from "../support/services.js";

const quiet = { level: 0 as never };

async function until<T>(fn: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 5));
  }
}

interface Update { at: number; path: string; body: { id: string; items: Record<string, { value: string; version: string; metadata: Record<string, string> }> } }

describe("configuration API on configuration.redis", () => {
  let sidecar: SidecarProcess;
  let app: http.Server;
  let redis: Redis;
  let grpcClient: DaprClient;
  const updates: Update[] = [];
  const prefix = uniqueName("cfg");
  const k = (s: string) => `${prefix}-${s}`;

  beforeAll(async () => {
    redis = new Redis({ host: services.redis.host, port: services.redis.port, lazyConnect: true });
    await redis.connect();
    await redis.set(k("color"), "blue||1");
    await redis.set(k("size"), "large||7");
    const appPort = await freePort();
    app = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        if (req.method === "POST" && req.url?.startsWith("/configuration/")) {
          updates.push({ at: Date.now(), path: req.url, body: JSON.parse(body) });
          return void res.writeHead(200).end();
        }
        res.writeHead(404).end();
      });
    });
    await new Promise<void>((r) => app.listen(appPort, "127.0.0.1", r));
    const dir = mkdtempSync(path.join(os.tmpdir(), "dapr-ts-config-"));
    writeFileSync(path.join(dir, "configstore.yaml"), `apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: configstore
spec:
  type: configuration.redis
  version: v1
  metadata:
    - name: redisHost
      value: ${services.redis.host}:${services.redis.port}
`);
    sidecar = await startSidecar({ appId: uniqueName("config"), resourcesPaths: [dir], args: ["--app-port", String(appPort)] });
    grpcClient = new DaprClient({ daprHost: "127.0.0.1", daprPort: String(sidecar.grpcPort), communicationProtocol: CommunicationProtocolEnum.GRPC, logger: quiet });
  }, 60_000);
  afterAll(async () => {
    await grpcClient?.stop().catch(() => {});
    await sidecar?.stop();
    await new Promise<void>((r) => app.close(() => r()));
    await redis?.del(k("color"), k("size"));
    redis?.disconnect();
  });

  it("reads items over HTTP (v1.0 and alpha1) and through the SDK over gRPC", async () => {
    for (const v of ["v1.0", "v1.0-alpha1"]) {
      const r = await sidecar.http(`/${v}/configuration/configstore?key=${k("color")}&key=${k("size")}`);
      expect(r.status).toBe(200);
      expect(await r.json()).toEqual({
        [k("color")]: { value: "blue", version: "1", metadata: {} },
        [k("size")]: { value: "large", version: "7", metadata: {} },
      });
    }
    const got = await grpcClient.configuration.get("configstore", [k("color")]);
    expect(got.items[k("color")]).toMatchObject({ value: "blue", version: "1" });
  });

  it("sends a Redis change to an HTTP subscriber within 1 s, and stops after unsubscribe", async () => {
    const r = await sidecar.http(`/v1.0/configuration/configstore/subscribe?key=${k("color")}`);
    expect(r.status).toBe(200);
    const { id } = (await r.json()) as { id: string };
    expect(id).toBeTruthy();
    const changedAt = Date.now();
    await redis.set(k("color"), "green||2");
    const u = await until(() => updates.find((x) => x.body.id === id), 5_000);
    expect(u.at - changedAt).toBeLessThan(1_000);
    expect(u.path).toBe(`/configuration/configstore/${k("color")}`);
    expect(u.body).toEqual({ id, items: { [k("color")]: { value: "green", version: "2", metadata: {} } } });

    const un = await sidecar.http(`/v1.0/configuration/configstore/${id}/unsubscribe`);
    expect(un.status).toBe(200);
    expect(await un.json()).toEqual({ ok: true });
    const before = updates.length;
    await redis.set(k("color"), "red||3");
    await new Promise((res) => setTimeout(res, 500));
    expect(updates.length).toBe(before);
  });

  it("streams a Redis change to a gRPC subscriber (the SDK) within 1 s", async () => {
    const seen: { at: number; items: Record<string, { value: string }> }[] = [];
    const sub = await grpcClient.configuration.subscribeWithKeys("configstore", [k("size")], async (res) => {
      seen.push({ at: Date.now(), items: res.items as Record<string, { value: string }> });
    });
    // The SDK returns before the stream is open and offers no signal for it: give it a moment.
    await new Promise((res) => setTimeout(res, 500));
    const changedAt = Date.now();
    await redis.set(k("size"), "small||8");
    const got = await until(() => seen.find((s) => s.items[k("size")]?.value === "small"), 5_000);
    expect(got.at - changedAt).toBeLessThan(1_000);
    await sub.stop();
    const before = seen.length;
    await redis.set(k("size"), "medium||9");
    await new Promise((res) => setTimeout(res, 500));
    expect(seen.length).toBe(before);
  });

  it("opens a raw gRPC stream with the id first, and ends the subscription when the client cancels", async () => {
    const Client = lookup<grpc.ServiceClientConstructor>(daprProto(), "dapr.proto.runtime.v1.Dapr");
    const client = new Client(`127.0.0.1:${sidecar.grpcPort}`, grpc.credentials.createInsecure()) as grpc.Client & Record<string, any>;
    const stream: grpc.ClientReadableStream<{ id: string; items: Record<string, unknown> }> = client["SubscribeConfigurationAlpha1"]({ store_name: "configstore", keys: [k("color")] });
    stream.on("error", () => {});
    const first = await new Promise<{ id: string; items: Record<string, unknown> }>((resolve) => stream.once("data", resolve));
    expect(first.id).toBeTruthy();
    expect(first.items).toEqual({});
    stream.cancel();
    // Once the server sees the cancellation the id is gone: unsubscribing it again fails.
    // (One attempt only: a successful unsubscribe here would itself remove the id.)
    await new Promise((res) => setTimeout(res, 1_000));
    const again = await sidecar.http(`/v1.0/configuration/configstore/${first.id}/unsubscribe`);
    expect(again.status).toBe(500);
    client.close();
  });

  it("answers Dapr's codes for bad input", async () => {
    const unknown = await sidecar.http("/v1.0/configuration/nostore?key=a");
    expect(unknown.status).toBe(500);
    expect(await unknown.json()).toMatchObject({ errorCode: "ERR_CONFIGURATION_STORE_NOT_FOUND" });
    const unknownSub = await sidecar.http("/v1.0-alpha1/configuration/nostore/subscribe?key=a");
    expect(await unknownSub.json()).toMatchObject({ errorCode: "ERR_CONFIGURATION_STORE_NOT_FOUND" });
    const badId = await sidecar.http("/v1.0/configuration/configstore/not-an-id/unsubscribe");
    expect(badId.status).toBe(500);
    expect(await badId.json()).toMatchObject({ errorCode: "ERR_CONFIGURATION_UNSUBSCRIBE" });
    await expect(grpcClient.configuration.get("nostore", ["a"])).rejects.toThrow(/configuration store nostore not found/);
    // Still serving.
    expect((await sidecar.http(`/v1.0/configuration/configstore?key=${k("size")}`)).status).toBe(200);
    const metrics = await (await fetch(`http://127.0.0.1:${sidecar.metricsPort}/metrics`)).text();
    expect(metrics).toMatch(/dapr_component_configuration_count\{[^}]*component="configstore"[^}]*operation="get"[^}]*success="true"[^}]*\} [1-9]/);
  });
});
